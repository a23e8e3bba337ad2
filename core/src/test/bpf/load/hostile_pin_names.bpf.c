// SPDX-License-Identifier: GPL-2.0
/*
 * Names that a test rewrites into path escapes: every byte of an object is hostile, and a map's
 * or program's name becomes a file name when it is pinned. C identifiers cannot hold '/' or
 * "..", so the test copies this object and overwrites the names, in place and at the same
 * length, in the ELF string table and the BTF string section, then loads the copy through the
 * real parser:
 *   hostile_map13 -> ../../../pwnd  (ARRAY u32 -> u64, 1 entry, LIBBPF_PIN_BY_NAME)
 *   hostileprg1   -> ../../evil1    (socket program using the map; pinned by pinAll)
 *
 * Tests: the by-name pin and pinAll must refuse these names with an error naming the object,
 * the map or program and the directory, and create nothing anywhere (not even a compatible pin
 * at the escaped path is reused).
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
} hostile_map13 SEC(".maps");

SEC("socket")
int hostileprg1(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&hostile_map13, &key);

	if (v)
		__sync_fetch_and_add(v, 1);
	return 0;
}
