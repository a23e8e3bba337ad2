// SPDX-License-Identifier: GPL-2.0
/*
 * A map the kernel refuses for its size, not for anything it lacks: a per-CPU array whose value is
 * 40000 bytes, above the 32 KiB per-CPU allocation unit (PCPU_MIN_UNIT_SIZE), so BPF_MAP_CREATE fails
 * with E2BIG on every kernel. Program on_getpgid (tp/syscalls/sys_enter_getpgid) uses it.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct big_value {
	unsigned char bytes[40000];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct big_value);
} big_values SEC(".maps");

SEC("tp/syscalls/sys_enter_getpgid")
int on_getpgid(void *ctx)
{
	__u32 zero = 0;
	struct big_value *v = bpf_map_lookup_elem(&big_values, &zero);

	if (v)
		v->bytes[0]++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
