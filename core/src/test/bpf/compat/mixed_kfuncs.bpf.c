// SPDX-License-Identifier: GPL-2.0
/*
 * One object for a fleet of kernels: one program needs kfuncs only newer kernels have, the other
 * needs nothing special. Loaded per program, the plain one works everywhere.
 *
 * Program count_getpid, tp/syscalls/sys_enter_getpid: getpid_calls += 1 and hz = CONFIG_HZ for
 *   calls by target_tgid. Uses .bss, .rodata and .kconfig only; CONFIG_HZ is __weak, so without
 *   any kernel config it loads with hz = 0 (and a warning naming CONFIG_HZ).
 * Program count_cpus, tp_btf/task_newtask: builds a bpf_cpumask with bpf_cpumask_create/
 *   bpf_cpumask_copy/bpf_cpumask_weight/bpf_cpumask_release (kfuncs added in Linux 6.3, absent on
 *   Debian's 6.1) and records the new task's CPU count in last_weight. Uses the cpus map, so a
 *   per-program load of count_getpid does not create it.
 *
 * libbpf 1.1 loading the whole object on 6.1 fails with
 *   "extern (func ksym) 'bpf_cpumask_create': not found in kernel or module BTFs"
 * even when only count_getpid is wanted (it resolves every extern of the object).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

struct bpf_cpumask *bpf_cpumask_create(void) __ksym;
void bpf_cpumask_release(struct bpf_cpumask *cpumask) __ksym;
void bpf_cpumask_copy(struct bpf_cpumask *dst, const struct cpumask *src) __ksym;
u32 bpf_cpumask_weight(const struct cpumask *cpumask) __ksym;

const volatile __s32 target_tgid = 0;
__u64 getpid_calls = 0;
__u64 hz = 0;

extern unsigned int CONFIG_HZ __kconfig __weak;

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u32);
    __uint(max_entries, 1);
} cpus SEC(".maps");

SEC("tp/syscalls/sys_enter_getpid")
int count_getpid(void *ctx)
{
    if ((__s32)(bpf_get_current_pid_tgid() >> 32) == target_tgid) {
        __sync_fetch_and_add(&getpid_calls, 1);
        hz = CONFIG_HZ;
    }
    return 0;
}

SEC("tp_btf/task_newtask")
int BPF_PROG(count_cpus, struct task_struct *task, u64 clone_flags)
{
    struct bpf_cpumask *mask;
    __u32 key = 0, weight;

    mask = bpf_cpumask_create();
    if (!mask)
        return 0;
    bpf_cpumask_copy(mask, task->cpus_ptr);
    weight = bpf_cpumask_weight((const struct cpumask *)mask);
    bpf_cpumask_release(mask);
    bpf_map_update_elem(&cpus, &key, &weight, BPF_ANY);
    return 0;
}
