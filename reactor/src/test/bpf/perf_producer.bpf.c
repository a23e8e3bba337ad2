// SPDX-License-Identifier: GPL-2.0
/*
 * Perf event array producer: the perf-buffer counterpart of ringbuf_producer.bpf.c.
 *
 * Trigger: each getpgid(2) call made by a thread of process `target_tgid` runs `produce`,
 * which writes `batch` records with bpf_perf_event_output(BPF_F_CURRENT_CPU) into `events`,
 * i.e. into the perf buffer of the CPU the caller runs on. A consumer must have opened a
 * perf event (PERF_COUNT_SW_BPF_OUTPUT) for that CPU and stored its fd at key = cpu, or the
 * output fails with -ENOENT and counts as `failed`.
 *
 * Record (little endian, 16 bytes; perf pads the raw sample to 8-byte alignment):
 *   offset 0  u64 seq   a batch takes `batch` consecutive numbers from `next_seq`
 *   offset 8  u64 ts    bpf_ktime_get_ns() when the record was written
 *
 * Configuration: .rodata s32 target_tgid (set before load); .data u32 batch (default 64;
 * a perf buffer of 8 pages holds about 1300 such records).
 * Map `events`: BPF_MAP_TYPE_PERF_EVENT_ARRAY, max_entries 0 in the object: a loader sets
 * it to the number of possible CPUs, as libbpf does.
 * Results in .bss (u64): produced (outputs that succeeded), failed (outputs that returned an
 * error: buffer full -ENOSPC, or no perf event for this CPU -ENOENT), last_error (the last
 * negative errno), next_seq, triggers.
 *
 * A test: set target_tgid, load, open per-CPU perf buffers, call getpgid() k times and
 * expect consumed records + lost records == produced, produced + failed == k * batch.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

const volatile __s32 target_tgid = 0;
__u32 batch = 64;

__u64 produced = 0;
__u64 failed = 0;
__s64 last_error = 0;
__u64 next_seq = 0;
__u64 triggers = 0;

struct record {
	__u64 seq;
	__u64 ts;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

struct batch_state {
	void *ctx;
	__u64 base;
	__u64 produced;
	__u64 failed;
	__s64 last_error;
};

static long emit_one(__u32 i, void *arg)
{
	struct batch_state *st = arg;
	struct record r = { .seq = st->base + i, .ts = bpf_ktime_get_ns() };
	long err = bpf_perf_event_output(st->ctx, &events, BPF_F_CURRENT_CPU, &r, sizeof(r));

	if (err) {
		st->failed++;
		st->last_error = err;
	} else {
		st->produced++;
	}
	return 0;
}

SEC("tp/syscalls/sys_enter_getpgid")
int produce(void *ctx)
{
	if ((bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;

	__u32 n = batch;
	struct batch_state st = { .ctx = ctx, .base = __sync_fetch_and_add(&next_seq, n) };

	bpf_loop(n, emit_one, &st, 0);
	__sync_fetch_and_add(&produced, st.produced);
	__sync_fetch_and_add(&failed, st.failed);
	if (st.last_error)
		last_error = st.last_error;
	__sync_fetch_and_add(&triggers, 1);
	return 0;
}
