// SPDX-License-Identifier: GPL-2.0
/*
 * The ring buffer producer every consumer test and benchmark uses (bpflux and the libbpf
 * baseline in benchmarks/libbpf load this same object).
 *
 * Trigger: each getpgid(2) call made by a thread of process `target_tgid` runs `produce`,
 * which emits `batch` records into the ring buffer `rb` with bpf_loop.
 *
 * Record (little endian, `record_size` bytes, default 16; bytes after 16 are unspecified):
 *   offset 0  u64 seq   sequence number: a batch takes `batch` consecutive numbers from
 *                       `next_seq`, record i of the batch gets base + i. A record that could
 *                       not be reserved leaves a gap (counted in `dropped`).
 *   offset 8  u64 ts    bpf_ktime_get_ns() (CLOCK_MONOTONIC) when the record was written.
 *
 * Configuration:
 *   .rodata  s32 target_tgid   set before load: only this process triggers records.
 *   .rodata  u32 record_size   set before load, 16..4096 (reserve size must be known to the
 *                              verifier, which reads frozen .rodata as constants).
 *   .data    u32 batch         records per trigger, default 500; may change between calls.
 *   .data    u32 mode          0: bpf_ringbuf_reserve + submit (default)
 *                              1: bpf_ringbuf_output (copy from a per-CPU scratch buffer)
 *                              2: reserve, then discard every `discard_every`-th record
 *                                 (seq % discard_every == discard_every - 1), submit the rest
 *   .data    u32 discard_every default 10, used by mode 2.
 *   .data    u64 wakeup_flags  flags for submit/discard/output: 0 (adaptive wakeup),
 *                              BPF_RB_NO_WAKEUP (1) or BPF_RB_FORCE_WAKEUP (2).
 *   map rb   BPF_MAP_TYPE_RINGBUF, max_entries 4 MiB (a loader may override it; a power
 *            of two multiple of the page size).
 *
 * Results in .bss (u64 each, updated once per trigger with atomic adds):
 *   produced   records submitted (or output) that a consumer will see
 *   discarded  records reserved then discarded (mode 2): consumers must skip them
 *   dropped    reserve/output failures (ring full)
 *   next_seq   next sequence number (produced + discarded + dropped)
 *   triggers   getpgid calls from the target process that ran the loop
 *
 * A test: set target_tgid to its pid, load, attach, call getpgid() k times, consume, and
 * expect produced == k * batch - dropped - discarded records with increasing seq.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define MAX_RECORD_SIZE 4096

const volatile __s32 target_tgid = 0;
const volatile __u32 record_size = 16;

__u32 batch = 500;
/* Zero-initialised globals would land in .bss: keep all configuration in .data. */
__u32 mode SEC(".data") = 0;
__u32 discard_every = 10;
__u64 wakeup_flags SEC(".data") = 0;

__u64 produced = 0;
__u64 discarded = 0;
__u64 dropped = 0;
__u64 next_seq = 0;
__u64 triggers = 0;

struct record {
	__u64 seq;
	__u64 ts;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} rb SEC(".maps");

/* Source buffer for mode 1 (bpf_ringbuf_output copies from memory the program owns). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8[MAX_RECORD_SIZE]);
} scratch SEC(".maps");

struct batch_state {
	__u64 base;
	__u64 produced;
	__u64 discarded;
	__u64 dropped;
	__u64 flags;
	__u32 mode;
	__u32 discard_every;
	__u8 *scratch;
};

static long emit_one(__u32 i, void *ctx)
{
	struct batch_state *st = ctx;
	__u64 seq = st->base + i;

	if (st->mode == 1) {
		struct record *src = (struct record *)st->scratch;

		if (!src)
			return 1;
		src->seq = seq;
		src->ts = bpf_ktime_get_ns();
		if (bpf_ringbuf_output(&rb, src, record_size, st->flags))
			st->dropped++;
		else
			st->produced++;
		return 0;
	}

	struct record *r = bpf_ringbuf_reserve(&rb, record_size, 0);
	if (!r) {
		st->dropped++;
		return 0;
	}
	r->seq = seq;
	r->ts = bpf_ktime_get_ns();
	if (st->mode == 2 && st->discard_every && seq % st->discard_every == st->discard_every - 1) {
		bpf_ringbuf_discard(r, st->flags);
		st->discarded++;
	} else {
		bpf_ringbuf_submit(r, st->flags);
		st->produced++;
	}
	return 0;
}

SEC("tp/syscalls/sys_enter_getpgid")
int produce(void *ctx)
{
	if ((bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	if (record_size < sizeof(struct record) || record_size > MAX_RECORD_SIZE)
		return 0;

	__u32 zero = 0;
	__u32 n = batch;
	struct batch_state st = {
		.base = __sync_fetch_and_add(&next_seq, n),
		.flags = wakeup_flags,
		.mode = mode,
		.discard_every = discard_every,
		.scratch = bpf_map_lookup_elem(&scratch, &zero),
	};

	bpf_loop(n, emit_one, &st, 0);
	__sync_fetch_and_add(&produced, st.produced);
	__sync_fetch_and_add(&discarded, st.discarded);
	__sync_fetch_and_add(&dropped, st.dropped);
	__sync_fetch_and_add(&triggers, 1);
	return 0;
}
