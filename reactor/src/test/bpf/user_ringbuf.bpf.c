// SPDX-License-Identifier: GPL-2.0
/*
 * User ring buffer consumer in the kernel (BPF_MAP_TYPE_USER_RINGBUF, Linux 6.1+): user space
 * writes samples, a program drains them with bpf_user_ringbuf_drain.
 *
 * Trigger: each getsid(2) call made by a thread of process `target_tgid` (.rodata, set
 * before load) runs `drain`, which drains every sample currently committed in `user_rb`.
 *
 * Sample sent by user space (little endian, at least 8 bytes; samples shorter than 8 bytes
 * count as `short_samples`):
 *   offset 0  u64 value   added to `sum`
 *   offset 8  ...         anything; ignored
 *
 * Map `user_rb`: max_entries 256 KiB (power-of-two multiple of the page size). Samples a
 * user-space producer discards (BPF_RINGBUF_DISCARD_BIT) are skipped by the kernel.
 *
 * Results in .bss (u64): samples (drained samples of >= 8 bytes), sum (of their values),
 * last_value, short_samples, drain_calls (getsid calls that drained), last_drained (what
 * the last bpf_user_ringbuf_drain returned: samples drained, or a negative errno such as
 * -EBUSY when another drain was running), out_of_order (samples of >= 8 bytes whose value
 * is not last_value + 1: 0 after sending 1, 2, 3, ... means every one arrived, in order).
 *
 * A test: set target_tgid, load, write samples with values v1..vn into user_rb, call
 * getsid(0) and expect samples == n, sum == v1 + ... + vn, last_value == vn.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

const volatile __s32 target_tgid = 0;

__u64 samples = 0;
__u64 sum = 0;
__u64 last_value = 0;
__u64 short_samples = 0;
__u64 drain_calls = 0;
__s64 last_drained = 0;
__u64 out_of_order = 0;

struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 256 * 1024);
} user_rb SEC(".maps");

static long on_sample(struct bpf_dynptr *dynptr, void *ctx)
{
	__u64 value;

	if (bpf_dynptr_read(&value, sizeof(value), dynptr, 0, 0)) {
		short_samples++;
		return 0;
	}
	if (value != last_value + 1)
		out_of_order++;
	samples++;
	sum += value;
	last_value = value;
	return 0;
}

SEC("tp/syscalls/sys_enter_getsid")
int drain(void *ctx)
{
	if ((bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	drain_calls++;
	last_drained = bpf_user_ringbuf_drain(&user_rb, on_sample, NULL, 0);
	return 0;
}
