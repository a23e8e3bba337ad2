// SPDX-License-Identifier: GPL-2.0
/*
 * BPF-to-BPF calls. Loader concerns: the .text section holds subprograms that must be
 * appended to every program that calls them (also indirectly), call offsets fixed up per
 * program, global (non-static) functions verified on their own with their BTF signature
 * (needs func_info), static functions inlined into the caller's verification, and a
 * bpf_loop callback referenced by an ld_imm64 BPF_PSEUDO_FUNC.
 *
 * Functions:
 *   global_add(a, b)       global __noinline: a + b
 *   static_mul(a, b)       static __noinline: a * b
 *   sum_to(n)              static __noinline: 0 + 1 + .. + (n - 1) with bpf_loop and the
 *                          callback add_index, n capped at 1000
 *   shared_compute(x)      global: global_add(static_mul(x, 3), sum_to(x)) -- used by both
 *                          programs below
 *
 * Programs:
 *   prog_tp   tp/syscalls/sys_enter_getpid, for target_tgid (.rodata) and, when user space
 *             sets it, thread target_tid (.bss): calls += 1;
 *             tp_result = shared_compute(calls)
 *   prog_xdp  xdp, run with BPF_PROG_TEST_RUN on any packet: xdp_runs += 1;
 *             xdp_result = shared_compute(packet length); returns XDP_PASS (2)
 *
 * A test: attach prog_tp, call getpid() 4 times: calls == 4, tp_result == 4*3 + 6 == 18.
 * Test-run prog_xdp with a 64-byte packet: retval 2, xdp_result == 64*3 + 2016 == 2208.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "target_thread.h"

char LICENSE[] SEC("license") = "GPL";


__u64 calls = 0;
__u64 tp_result = 0;
__u64 xdp_runs = 0;
__u64 xdp_result = 0;

__noinline int global_add(int a, int b)
{
	return a + b;
}

static __noinline int static_mul(int a, int b)
{
	return a * b;
}

static long add_index(__u32 index, void *ctx)
{
	*(__u64 *)ctx += index;
	return 0;
}

static __noinline __u64 sum_to(__u32 n)
{
	__u64 sum = 0;

	if (n > 1000)
		n = 1000;
	bpf_loop(n, add_index, &sum, 0);
	return sum;
}

__noinline int shared_compute(int x)
{
	if (x < 0 || x > 1000)
		return -1;
	return global_add(static_mul(x, 3), (int)sum_to(x));
}

SEC("tp/syscalls/sys_enter_getpid")
int prog_tp(void *ctx)
{
	if (!from_target())
		return 0;
	calls++;
	tp_result = shared_compute((int)calls);
	return 0;
}

SEC("xdp")
int prog_xdp(struct xdp_md *xdp)
{
	xdp_runs++;
	xdp_result = shared_compute((int)(xdp->data_end - xdp->data));
	return XDP_PASS;
}
