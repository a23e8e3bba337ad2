// SPDX-License-Identifier: GPL-2.0
/*
 * Tracepoint attach types. Loader concerns: section names -> program type and attach point
 * (tp/<category>/<name> through tracefs + perf_event_open or BPF_LINK_CREATE, raw_tp/<name>
 * through BPF_RAW_TRACEPOINT_OPEN, tp_btf/<name> as BPF_PROG_TYPE_TRACING with
 * attach_btf_id of btf_trace_<name> in vmlinux BTF).
 *
 * Configuration (.rodata, set before load): target_tgid; target_syscall (the syscall number
 * raw_tp and tp_btf count, default 39 = __NR_getpid on x86_64; 172 on arm64).
 *
 * At run time (.bss): target_tid, the one thread that counts (0: all of target_tgid).
 *
 * Programs (all count only calls from target_tgid, thread target_tid):
 *   on_tp      tp/syscalls/sys_enter_getpid: tp_calls += 1, tp_last_id = the record's
 *              __syscall_nr. The record of a syscalls/sys_enter_<name> tracepoint is
 *              (tracefs events/syscalls/sys_enter_getpid/format): 8 bytes of common fields,
 *              int __syscall_nr at offset 8, then the arguments as 8-byte slots from
 *              offset 16 (none for getpid): 12 bytes here. Reading past the record makes
 *              the ATTACH fail with EACCES (the kernel compares the program's largest
 *              context offset with the record size), which is why struct
 *              trace_event_raw_sys_enter (raw_syscalls, 64 bytes) is not used here.
 *   on_raw_tp  raw_tp/sys_enter: for syscall target_syscall (args[1]): raw_tp_calls += 1
 *   on_tp_btf  tp_btf/sys_enter: for syscall target_syscall: tp_btf_calls += 1,
 *              tp_btf_last_tid = the calling thread's id read from the BTF task pointer
 *
 * A test: load, attach all three, call getpid() k times and expect each counter == k,
 * tp_last_id == target_syscall, tp_btf_last_tid == the calling thread's tid (set as target_tid). Detach
 * (close the links), call getpid() again and expect the counters unchanged.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "target_thread.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __s64 target_syscall = 39;

__u64 tp_calls = 0;
__s64 tp_last_id = 0;
__u64 raw_tp_calls = 0;
__u64 tp_btf_calls = 0;
__s32 tp_btf_last_tid = 0;

struct syscalls_enter_getpid_record {
	__u64 common;
	__s32 syscall_nr;
};

SEC("tp/syscalls/sys_enter_getpid")
int on_tp(struct syscalls_enter_getpid_record *ctx)
{
	if (!from_target())
		return 0;
	__sync_fetch_and_add(&tp_calls, 1);
	tp_last_id = ctx->syscall_nr;
	return 0;
}

SEC("raw_tp/sys_enter")
int on_raw_tp(struct bpf_raw_tracepoint_args *ctx)
{
	/* sys_enter(struct pt_regs *regs, long id): args[0] = regs, args[1] = id */
	if (!from_target() || (__s64)ctx->args[1] != target_syscall)
		return 0;
	__sync_fetch_and_add(&raw_tp_calls, 1);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_tp_btf, struct pt_regs *regs, long id)
{
	if (!from_target() || id != target_syscall)
		return 0;
	__sync_fetch_and_add(&tp_btf_calls, 1);
	tp_btf_last_tid = bpf_get_current_task_btf()->pid;
	return 0;
}
