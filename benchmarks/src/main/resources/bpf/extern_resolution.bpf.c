// SPDX-License-Identifier: GPL-2.0
/*
 * The object of the extern resolution benchmark (ExternResolutionBenchmark, docs/performance.md
 * "Extern resolution"): a dozen externs of every kind a loader resolves before BPF_PROG_LOAD,
 * all of which exist on the dev host (6.18) and the Debian 6.1/6.12 cloud kernels, so libbpf
 * loads it too and the two loaders can be timed on the same object:
 *   8 __kconfig: CONFIG_HZ (int), CONFIG_BPF_SYSCALL (bool), CONFIG_NR_CPUS (u16),
 *     CONFIG_NET_CLS_BPF (tristate), CONFIG_DEFAULT_HOSTNAME (char[16]), CONFIG_PREEMPT
 *     (bool, __weak), LINUX_KERNEL_VERSION, LINUX_HAS_SYSCALL_WRAPPER
 *   3 untyped __ksym (kallsyms): do_unlinkat, vfs_read, vfs_write
 *   2 kfuncs (vmlinux BTF): bpf_task_acquire, bpf_task_release
 * With -DNO_EXTERNS (extern_resolution_none.bpf.c) the same program without externs: libbpf's
 * load time of the two differs by what its extern resolution costs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

__u64 out[16] = {};

#ifndef NO_EXTERNS
extern int CONFIG_HZ __kconfig;
extern bool CONFIG_BPF_SYSCALL __kconfig;
extern __u16 CONFIG_NR_CPUS __kconfig;
extern enum libbpf_tristate CONFIG_NET_CLS_BPF __kconfig;
extern char CONFIG_DEFAULT_HOSTNAME[16] __kconfig;
extern bool CONFIG_PREEMPT __kconfig __weak;
extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern bool LINUX_HAS_SYSCALL_WRAPPER __kconfig;

extern const void do_unlinkat __ksym;
extern const void vfs_read __ksym;
extern const void vfs_write __ksym;

extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
#endif

SEC("tp_btf/sys_enter")
int BPF_PROG(extern_resolution, struct pt_regs *regs, long id)
{
#ifndef NO_EXTERNS
	struct task_struct *t;

	out[0] = CONFIG_HZ;
	out[1] = CONFIG_BPF_SYSCALL;
	out[2] = CONFIG_NR_CPUS;
	out[3] = CONFIG_NET_CLS_BPF;
	out[4] = CONFIG_DEFAULT_HOSTNAME[0];
	out[5] = CONFIG_PREEMPT;
	out[6] = LINUX_KERNEL_VERSION;
	out[7] = LINUX_HAS_SYSCALL_WRAPPER;
	out[8] = (__u64)&do_unlinkat;
	out[9] = (__u64)&vfs_read;
	out[10] = (__u64)&vfs_write;
	t = bpf_task_acquire(bpf_get_current_task_btf());
	if (t) {
		out[11] = t->pid;
		bpf_task_release(t);
	}
#else
	out[0] = id;
#endif
	return 0;
}
