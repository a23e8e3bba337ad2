// SPDX-License-Identifier: GPL-2.0
/*
 * A referenced kptr in a map value: struct stash { struct task_struct __kptr *task; ... }.
 * Loader concerns: the map's BTF value type carries a "kptr" type tag the kernel parses
 * into a kptr field (Linux 6.2+: "kptr" means referenced; on 6.1 it meant untrusted and
 * bpf_task_acquire does not exist, so this object needs 6.2+: it loads here and on 6.12,
 * not on 6.1), and the kfuncs bpf_task_acquire/bpf_task_release.
 *
 * Map stash_map: ARRAY, 1 entry, u32 -> struct stash { task kptr; s32 stored_pid; u32 pad;
 * u64 swaps }.
 *
 * Program stash_task, tp_btf/sys_enter, for syscalls of target_tgid (.rodata), only thread
 * target_tid's when user space sets it (.bss; the counters are not atomic, and a JVM's other
 * threads make syscalls on the other CPU): acquires a
 * reference to the current task, bpf_kptr_xchg()s it into stash_map[0].task, releases the
 * reference it got back (if any): swaps += 1, stored_pid = that task's pid, released += 1
 * for each old reference released. The kernel releases the last stored reference when the
 * map is freed.
 *
 * A test: load, set target_tid, attach, make one syscall, detach; expect stash_map[0].stored_pid == the
 * calling thread id, swaps >= 1, released == swaps - 1 (in .bss). Closing the map must
 * release the task reference (no leak warnings in dmesg).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "target_thread.h"

char LICENSE[] SEC("license") = "GPL";

extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;

__u64 swaps = 0;
__u64 released = 0;

struct stash {
	struct task_struct __kptr *task;
	__s32 stored_pid;
	__u32 pad;
	__u64 swaps;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stash);
} stash_map SEC(".maps");

SEC("tp_btf/sys_enter")
int BPF_PROG(stash_task, struct pt_regs *regs, long id)
{
	if (!from_target())
		return 0;

	__u32 zero = 0;
	struct stash *s = bpf_map_lookup_elem(&stash_map, &zero);

	if (!s)
		return 0;

	struct task_struct *t = bpf_task_acquire(bpf_get_current_task_btf());

	if (!t)
		return 0;
	s->stored_pid = t->pid;
	t = bpf_kptr_xchg(&s->task, t);
	s->swaps++;
	swaps++;
	if (t) {
		bpf_task_release(t);
		released++;
	}
	return 0;
}
