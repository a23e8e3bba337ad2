// SPDX-License-Identifier: GPL-2.0
/*
 * Pinning: three maps pinned by name (LIBBPF_PIN_BY_NAME) and two programs, for the tests that
 * a failed load or pinAll removes every pin it made and only those.
 *
 * Maps (each pinned at <pin directory>/<name> by the load):
 *   pinned_first    ARRAY u32 -> u64, 1 entry
 *   pinned_second   HASH  u32 -> u64, 8 entries
 *   pinned_third    ARRAY u32 -> u64, 2 entries
 *
 * Programs (both use all three maps, so loading either creates and pins all three):
 *   count_runs      socket: adds 1 to each map's key 0 and returns 0. Loads.
 *   rejected        socket: the same, then reads 8 bytes at r10 - 520, below the 512-byte BPF
 *                   stack; the verifier rejects it (EACCES, "invalid read from stack").
 *
 * Tests: load count_runs into a directory holding an incompatible pin named pinned_third
 * (a HASH, say): the load fails naming <dir>/pinned_third, and <dir> holds only that pin
 * afterwards (pinned_first and pinned_second, pinned before the conflict, are gone). Load
 * rejected: the verifier fails it after all three maps were pinned; none stays.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pinned_first SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pinned_second SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pinned_third SEC(".maps");

static __always_inline void count_in_all_maps(void)
{
	__u32 key = 0;
	__u64 one = 1, *v;

	v = bpf_map_lookup_elem(&pinned_first, &key);
	if (v)
		__sync_fetch_and_add(v, 1);
	v = bpf_map_lookup_elem(&pinned_second, &key);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&pinned_second, &key, &one, BPF_NOEXIST);
	v = bpf_map_lookup_elem(&pinned_third, &key);
	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("socket")
int count_runs(struct __sk_buff *skb)
{
	count_in_all_maps();
	return 0;
}

SEC("socket")
int rejected(struct __sk_buff *skb)
{
	long v;

	count_in_all_maps();
	asm volatile("%0 = *(u64 *)(r10 - 520)" : "=r"(v));
	return v;
}
