// SPDX-License-Identifier: GPL-2.0
/*
 * Programs whose section does not say everything, as tools ship them: targets that are placeholders
 * set at run time (libbpf's bpf_program__set_attach_target) and a section of no known name. Loader
 * concerns: LoadOptions.withAttachTarget / withProgramType, and per-program loading past an unknown
 * section.
 *
 * Configuration (.rodata, set before load): target_tgid; target_syscall (default 39 = __NR_getpid
 * on x86_64). At run time (.bss): target_tid, the one thread that counts.
 *
 * Programs:
 *   on_placeholder_tp  tp_btf/placeholder: retargeted to sys_enter, counts target_syscall calls of
 *                      the target thread (placeholder_calls) as BPF_PROG(regs, id)
 *   on_placeholder_raw raw_tp/placeholder: retargeted to sys_enter at attach, counts the same
 *                      (raw_calls) from args[1]
 *   on_func            fentry/func: the placeholder of tools that pick the function at run time
 *   in_mystery         section "mystery/section": no program type until one is set
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "target_thread.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __s64 target_syscall = 39;

__u64 placeholder_calls = 0;
__u64 raw_calls = 0;
__u64 func_calls = 0;

SEC("tp_btf/placeholder")
int BPF_PROG(on_placeholder_tp, struct pt_regs *regs, long id)
{
	if (!from_target() || id != target_syscall)
		return 0;
	__sync_fetch_and_add(&placeholder_calls, 1);
	return 0;
}

SEC("raw_tp/placeholder")
int on_placeholder_raw(struct bpf_raw_tracepoint_args *ctx)
{
	if (!from_target() || (__s64)ctx->args[1] != target_syscall)
		return 0;
	__sync_fetch_and_add(&raw_calls, 1);
	return 0;
}

SEC("fentry/func")
int BPF_PROG(on_func)
{
	if (from_target())
		__sync_fetch_and_add(&func_calls, 1);
	return 0;
}

SEC("mystery/section")
int in_mystery(void *ctx)
{
	return 0;
}
