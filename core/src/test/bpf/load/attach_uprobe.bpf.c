// SPDX-License-Identifier: GPL-2.0
/*
 * uprobe and uretprobe (BPF_PROG_TYPE_KPROBE attached through perf_event_open of the
 * "uprobe" PMU, /sys/bus/event_source/devices/uprobe/type). The sections name no target:
 * the test gives the binary and the symbol or offset when it attaches.
 *
 * Configuration (.rodata, set before load): target_tgid. At run time (.bss): target_tid, the
 * one thread that counts (0: all of target_tgid).
 *
 * Programs (count only hits in target_tgid, thread target_tid):
 *   on_uprobe     uprobe: uprobe_calls += 1, uprobe_arg1 = first integer argument
 *   on_uretprobe  uretprobe: uretprobe_calls += 1, uretprobe_ret = return value
 *
 * A test: attach both to libc's getpgid (resolve the symbol's file offset from libc's ELF
 * dynamic symbols), call getpgid(0) through libc k times, expect uprobe_calls ==
 * uretprobe_calls == k, uprobe_arg1 == 0, uretprobe_ret == getpgid(0). Any function with an
 * integer argument in a test binary works the same way.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "target_thread.h"

char LICENSE[] SEC("license") = "GPL";


__u64 uprobe_calls = 0;
__s64 uprobe_arg1 = 0;
__u64 uretprobe_calls = 0;
__s64 uretprobe_ret = 0;

SEC("uprobe")
int BPF_KPROBE(on_uprobe, long arg1)
{
	if (!from_target())
		return 0;
	__sync_fetch_and_add(&uprobe_calls, 1);
	uprobe_arg1 = arg1;
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(on_uretprobe, long ret)
{
	if (!from_target())
		return 0;
	__sync_fetch_and_add(&uretprobe_calls, 1);
	uretprobe_ret = ret;
	return 0;
}
