// SPDX-License-Identifier: GPL-2.0
/*
 * A program the verifier must reject, for the verifier-log test, next to one it accepts.
 *
 * Programs:
 *   read_past_stack  socket: reads 8 bytes at r10 - 520, below the 512-byte BPF stack.
 *                    The verifier rejects it (EACCES) with a log whose last lines name the
 *                    instruction and say "invalid read from stack R10 off=-520 size=8"
 *                    (wording of Linux 5.x-6.18).
 *   accepted         socket: returns 0. Loads.
 *
 * A test: load read_past_stack and expect a BpfVerifierException naming the program, with
 * the whole log kept and its tail (containing "off=-520") in the message; loading only
 * `accepted` from the same object must succeed.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("socket")
int read_past_stack(struct __sk_buff *skb)
{
	long v;

	asm volatile("%0 = *(u64 *)(r10 - 520)" : "=r"(v));
	return v;
}

SEC("socket")
int accepted(struct __sk_buff *skb)
{
	return 0;
}
