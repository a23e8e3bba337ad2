// SPDX-License-Identifier: GPL-2.0
/*
 * An freplace program (BPF_PROG_TYPE_EXT: replaces a global function of another loaded BPF
 * program, named in the section) beside a plain one. bpflux cannot load freplace programs
 * yet (they need the target program's fd at load): the error must say that bpflux, not the
 * kernel, lacks them, and loading only pass_all must work.
 *
 * Programs: replacement (freplace/handle_packet), pass_all (xdp, returns XDP_PASS = 2).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("freplace/handle_packet")
int replacement(struct xdp_md *ctx)
{
	return XDP_DROP;
}

SEC("xdp")
int pass_all(struct xdp_md *ctx)
{
	return XDP_PASS;
}
