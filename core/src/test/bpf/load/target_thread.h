/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The process and thread a loader test's programs count, shared by the objects of this
 * directory (include after bpf_helpers.h).
 *
 * target_tgid (.rodata, set before load): the test's process.
 * target_tid (.bss, set by user space before it attaches): only this thread counts (0: every
 * thread of target_tgid). A JVM's other threads (GC, JIT, surefire) make syscalls too, on the
 * other CPU, and would change exact counts, last-writer values and non-atomic counters.
 */
#ifndef BPFLUX_TARGET_THREAD_H
#define BPFLUX_TARGET_THREAD_H

const volatile __s32 target_tgid = 0;
__u32 target_tid = 0;

static __always_inline bool from_target(void)
{
	__u64 id = bpf_get_current_pid_tgid();

	return (id >> 32) == target_tgid && (!target_tid || (__u32)id == target_tid);
}

#endif
