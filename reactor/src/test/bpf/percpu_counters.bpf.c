// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU counters for the per-CPU map readers.
 *
 * Trigger: each getppid(2) call made by a thread of process `target_tgid` (.rodata, set before
 * load) runs `count` on the caller's CPU, which updates three maps:
 *
 *   percpu_array     BPF_MAP_TYPE_PERCPU_ARRAY, 4 entries, u32 key, u64 value per CPU:
 *                      key 0: calls on this CPU
 *                      key 1: this CPU's number + 1 (0 where the program never ran), so a
 *                             reader can check it maps values to the right CPUs
 *                      key 2: sum of `increment` (.data u64, default 1) on this CPU
 *                      key 3: never written (all zero)
 *   percpu_hash      BPF_MAP_TYPE_PERCPU_HASH, 1024 entries, key u32 tid, value struct
 *                    counter { u64 calls; u64 last_ns; } per CPU (16 bytes)
 *   lru_percpu_hash  BPF_MAP_TYPE_LRU_PERCPU_HASH, 128 entries, key u32 tid, u64 calls
 *
 * Results in .bss: u64 total_calls (all CPUs, atomic).
 *
 * A test: pin itself to CPU c (sched_setaffinity), call getppid() k times and expect
 * percpu_array[0] to be k on CPU c and 0 elsewhere, percpu_array[1] == c + 1 on CPU c,
 * percpu_hash[tid].calls summed over CPUs == k, lru_percpu_hash[tid] summed == k,
 * total_calls == k.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

const volatile __s32 target_tgid = 0;
__u64 increment = 1;
__u64 total_calls = 0;

struct counter {
	__u64 calls;
	__u64 last_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} percpu_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct counter);
} percpu_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 128);
	__type(key, __u32);
	__type(value, __u64);
} lru_percpu_hash SEC(".maps");

static void array_add(__u32 key, __u64 delta)
{
	__u64 *v = bpf_map_lookup_elem(&percpu_array, &key);

	if (v)
		*v += delta; /* per-CPU slot: no other CPU writes it, no atomic needed */
}

SEC("tp/syscalls/sys_enter_getppid")
int count(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();

	if ((id >> 32) != target_tgid)
		return 0;

	__u32 tid = (__u32)id;
	__u32 key = 1;
	__u64 *cpu_slot;

	array_add(0, 1);
	cpu_slot = bpf_map_lookup_elem(&percpu_array, &key);
	if (cpu_slot)
		*cpu_slot = bpf_get_smp_processor_id() + 1;
	array_add(2, increment);

	struct counter *c = bpf_map_lookup_elem(&percpu_hash, &tid);
	if (c) {
		c->calls++;
		c->last_ns = bpf_ktime_get_ns();
	} else {
		struct counter init = { .calls = 1, .last_ns = bpf_ktime_get_ns() };
		/* BPF_ANY creates the key with this CPU's value; other CPUs' slots start zeroed. */
		bpf_map_update_elem(&percpu_hash, &tid, &init, BPF_ANY);
	}

	__u64 *n = bpf_map_lookup_elem(&lru_percpu_hash, &tid);
	if (n) {
		(*n)++;
	} else {
		__u64 one = 1;
		bpf_map_update_elem(&lru_percpu_hash, &tid, &one, BPF_ANY);
	}

	__sync_fetch_and_add(&total_calls, 1);
	return 0;
}
