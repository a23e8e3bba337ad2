// SPDX-License-Identifier: GPL-2.0
/*
 * A producer for the bpflux backpressure sample: one ring buffer record per sched_yield(2) of
 * one process, so the sample controls the rate (Java's Thread.yield() is sched_yield on Linux)
 * and every attempt is counted, written or not.
 *
 * Program:  produce   tp/syscalls/sys_enter_sched_yield
 * Config (.rodata, set before load):  u32 target_tgid   the process to count, 0 for all
 * Results (.bss):  u64 produced   records attempted (every sched_yield that passed the filter)
 *                  u64 dropped    of those, the ones bpf_ringbuf_reserve refused (ring full)
 *                  so received + dropped == produced once the ring was drained.
 * Map events: BPF_MAP_TYPE_RINGBUF, 256 KiB (small on purpose: it fills in milliseconds).
 *
 * Record, 32 bytes, little endian:
 *   offset  size  field
 *     0      8    u64 ts_ns   bpf_ktime_get_ns() at syscall entry
 *     8      4    u32 tid     thread id
 *    12      4    u32 cpu     bpf_get_smp_processor_id()
 *    16     16    u64 pad[2]  0 (room a real event would use)
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct yield_event {
	__u64 ts_ns;
	__u32 tid;
	__u32 cpu;
	__u64 pad[2];
};

_Static_assert(sizeof(struct yield_event) == 32, "record layout is part of the Java sample");

const volatile __u32 target_tgid = 0;

__u64 produced = 0;
__u64 dropped = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 << 10);
} events SEC(".maps");

SEC("tp/syscalls/sys_enter_sched_yield")
int produce(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (target_tgid && (__u32)(id >> 32) != target_tgid)
		return 0;
	__sync_fetch_and_add(&produced, 1);

	struct yield_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		__sync_fetch_and_add(&dropped, 1);
		return 0;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->tid = (__u32)id;
	e->cpu = bpf_get_smp_processor_id();
	e->pad[0] = 0;
	e->pad[1] = 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}
