// SPDX-License-Identifier: GPL-2.0
/*
 * perf_event program (BPF_PROG_TYPE_PERF_EVENT), attached to a perf event fd with
 * PERF_EVENT_IOC_SET_BPF or BPF_LINK_CREATE (BPF_PERF_EVENT).
 *
 * Configuration (.rodata, set before load): target_tgid (0 counts every sample).
 *
 * Program on_sample, perf_event: for samples taken while target_tgid runs: samples += 1,
 * last_sample_period = ctx->sample_period, last_cpu = the CPU.
 *
 * A test: open a software event (PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK or
 * PERF_COUNT_SW_TASK_CLOCK, sample_period 100000 ns) for its own pid on any CPU, attach,
 * spin for 50 ms, and expect samples > 0 and last_sample_period == 100000.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

const volatile __s32 target_tgid = 0;

__u64 samples = 0;
__u64 last_sample_period = 0;
__u32 last_cpu = 0;

SEC("perf_event")
int on_sample(struct bpf_perf_event_data *ctx)
{
	if (target_tgid && (bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	__sync_fetch_and_add(&samples, 1);
	last_sample_period = ctx->sample_period;
	last_cpu = bpf_get_smp_processor_id();
	return 0;
}
