// SPDX-License-Identifier: GPL-2.0
/*
 * Maps whose sizes the object leaves to user space, as libbpf-tools' profilers do (they call
 * bpf_map__set_value_size / bpf_map__set_max_entries before load):
 *   stackmap: STACK_TRACE, u32 -> (value size unset: 8 * stack depth), max_entries unset
 *   counts:   HASH u32 -> u64, max_entries unset
 * Program on_getpgid (tp/syscalls/sys_enter_getpgid) records its user stack id into counts.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__type(key, u32);
} stackmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, u32);
	__type(value, u64);
} counts SEC(".maps");

SEC("tp/syscalls/sys_enter_getpgid")
int on_getpgid(void *ctx)
{
	u32 id = bpf_get_stackid(ctx, &stackmap, BPF_F_USER_STACK);
	u64 one = 1, *n = bpf_map_lookup_elem(&counts, &id);

	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&counts, &id, &one, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
