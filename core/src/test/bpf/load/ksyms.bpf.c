// SPDX-License-Identifier: GPL-2.0
/*
 * __ksym externs that load on this host: untyped symbol addresses (resolved from
 * /proc/kallsyms and written into ld_imm64 as plain 64-bit immediates) and kfuncs (calls
 * resolved to vmlinux BTF FUNC ids, BPF_PSEUDO_KFUNC_CALL). Typed __ksym variables are in
 * ksym_typed.bpf.c.
 *
 * Externs:
 *   do_unlinkat          untyped (const void), a function: kallsyms lists functions even
 *                        without CONFIG_KALLSYMS_ALL.
 *   init_task            untyped, __weak: a data symbol. Listed in kallsyms only with
 *                        CONFIG_KALLSYMS_ALL: 0 here, its address on Debian 6.1/6.12.
 *   bpflux_missing_symbol  untyped, __weak, in no kernel: 0.
 *   bpf_lookup_system_key, bpf_key_put   kfuncs (Linux 6.1+ with CONFIG_KEYS, registered
 *                        for BPF_PROG_TYPE_TRACING): strong.
 *   bpf_task_acquire, bpf_task_release   kfuncs of Linux 6.2+: __weak, called only when
 *                        ksym_present() (a non-zero address) says they resolved.
 *   bpflux_missing_kfunc __weak kfunc in no kernel, guarded the same way: never called.
 *
 * Program use_ksyms, tp_btf/sys_enter, for syscalls of target_tgid (.rodata):
 *   calls += 1
 *   addr_do_unlinkat = &do_unlinkat           (== /proc/kallsyms address of do_unlinkat)
 *   addr_init_task = &init_task               (0 here; kallsyms address with KALLSYMS_ALL)
 *   addr_missing = &bpflux_missing_symbol     (0)
 *   system_key_lookups += 1; system_key_found = whether bpf_lookup_system_key(0) (builtin
 *     trusted keys) returned a key (it is then released with bpf_key_put)
 *   task_kfuncs_present = 1 when bpf_task_acquire resolved; then acquired_pid = pid of the
 *     task acquired from the current task (== calling thread id) and it is released
 *   missing_kfunc_present = 1 if bpflux_missing_kfunc resolved (never: stays 0)
 *
 * Ordering note: ld_imm64 of a kfunc address (the existence check) needs Linux 6.3+ when the
 * kfunc exists; older kernels only see it for missing kfuncs, where it is 0.
 *
 * A test: load, attach, call getpid(), expect calls > 0 and the values above.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

/* True when a __weak __ksym resolved: its address is then non-zero. */
#define ksym_present(sym) (!!(sym))

extern const void do_unlinkat __ksym;
extern const void init_task __ksym __weak;
extern const void bpflux_missing_symbol __ksym __weak;

extern struct bpf_key *bpf_lookup_system_key(__u64 id) __ksym;
extern void bpf_key_put(struct bpf_key *key) __ksym;
extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym __weak;
extern void bpf_task_release(struct task_struct *p) __ksym __weak;
extern int bpflux_missing_kfunc(int x) __ksym __weak;

const volatile __s32 target_tgid = 0;

__u64 calls = 0;
__u64 addr_do_unlinkat = 0;
__u64 addr_init_task = 0;
__u64 addr_missing = 0;
__u64 system_key_lookups = 0;
__u64 system_key_found = 0;
__u64 task_kfuncs_present = 0;
__s32 acquired_pid = 0;
__u64 missing_kfunc_present = 0;
__s32 missing_kfunc_result = 0;

SEC("tp_btf/sys_enter")
int BPF_PROG(use_ksyms, struct pt_regs *regs, long id)
{
	if ((bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	calls++;
	addr_do_unlinkat = (__u64)&do_unlinkat;
	addr_init_task = (__u64)&init_task;
	addr_missing = (__u64)&bpflux_missing_symbol;

	struct bpf_key *key = bpf_lookup_system_key(0);

	system_key_lookups++;
	if (key) {
		system_key_found = 1;
		bpf_key_put(key);
	}

	if (ksym_present(bpf_task_acquire)) {
		struct task_struct *t = bpf_task_acquire(bpf_get_current_task_btf());

		task_kfuncs_present = 1;
		if (t) {
			acquired_pid = t->pid;
			bpf_task_release(t);
		}
	}

	if (ksym_present(bpflux_missing_kfunc)) {
		missing_kfunc_present = 1;
		missing_kfunc_result = bpflux_missing_kfunc(1);
	}
	return 0;
}
