// SPDX-License-Identifier: GPL-2.0
/*
 * Networking program types: xdp, socket filter, cgroup_skb/egress.
 *
 * Programs:
 *   count_xdp      xdp: xdp_packets += 1, xdp_bytes += packet length; returns xdp_verdict
 *                  (.rodata u32, default XDP_PASS = 2). Test with BPF_PROG_TEST_RUN: run
 *                  a 64-byte packet n times (repeat) and expect retval == xdp_verdict,
 *                  xdp_packets == n, xdp_bytes == 64 * n. Attach to "lo" (generic mode,
 *                  XDP_FLAGS_SKB_MODE) and ping 127.0.0.1 to see xdp_packets grow.
 *   count_socket   socket (BPF_PROG_TYPE_SOCKET_FILTER): socket_packets += 1,
 *                  socket_last_len = skb->len; returns socket_snap_len (.rodata u32) if
 *                  non-zero, else skb->len (keep the whole packet). Test with
 *                  BPF_PROG_TEST_RUN (test runs treat the input as an Ethernet frame and
 *                  strip its 14-byte header: retval == socket_last_len == input length - 14)
 *                  or SO_ATTACH_BPF on a
 *                  UDP socket receiving from itself.
 *   count_egress   cgroup_skb/egress: for IPv4/IPv6 UDP packets to port target_port
 *                  (.rodata u16, host byte order, default 0 = none): egress_packets += 1,
 *                  egress_bytes += skb->len; returns 0 (drop: send() fails with EPERM)
 *                  when egress_drop (.bss bool, writable at run time) is set, else 1.
 *                  Test: attach to a cgroup v2 directory the test process is in (the
 *                  cgroup2 root: /sys/fs/cgroup/unified on the dev host, which mounts v1
 *                  controllers at /sys/fs/cgroup; /sys/fs/cgroup on Debian), send k UDP
 *                  datagrams to
 *                  127.0.0.1:target_port, expect egress_packets == k; set egress_drop and
 *                  expect the next send to fail with EPERM (that packet is counted too).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_UDP_NR 17

const volatile __u32 xdp_verdict = XDP_PASS;
const volatile __u32 socket_snap_len = 0;
const volatile __u16 target_port = 0;

__u64 xdp_packets = 0;
__u64 xdp_bytes = 0;
__u64 socket_packets = 0;
__u32 socket_last_len = 0;
__u64 egress_packets = 0;
__u64 egress_bytes = 0;
bool egress_drop = false;

SEC("xdp")
int count_xdp(struct xdp_md *ctx)
{
	__sync_fetch_and_add(&xdp_packets, 1);
	__sync_fetch_and_add(&xdp_bytes, ctx->data_end - ctx->data);
	return xdp_verdict;
}

SEC("socket")
int count_socket(struct __sk_buff *skb)
{
	__sync_fetch_and_add(&socket_packets, 1);
	socket_last_len = skb->len;
	return socket_snap_len ? socket_snap_len : skb->len;
}

/* cgroup_skb data starts at the network header. */
static int udp_dest_port(struct __sk_buff *skb)
{
	__u8 proto;
	__u16 port;
	__u32 l4;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		__u8 vihl;

		if (bpf_skb_load_bytes(skb, 0, &vihl, 1) || bpf_skb_load_bytes(skb, 9, &proto, 1))
			return -1;
		l4 = (vihl & 0xf) * 4;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		if (bpf_skb_load_bytes(skb, 6, &proto, 1))
			return -1;
		l4 = 40; /* no extension headers expected in tests */
	} else {
		return -1;
	}
	if (proto != IPPROTO_UDP_NR || bpf_skb_load_bytes(skb, l4 + 2, &port, 2))
		return -1;
	return bpf_ntohs(port);
}

SEC("cgroup_skb/egress")
int count_egress(struct __sk_buff *skb)
{
	if (target_port == 0 || udp_dest_port(skb) != target_port)
		return 1;
	__sync_fetch_and_add(&egress_packets, 1);
	__sync_fetch_and_add(&egress_bytes, skb->len);
	return egress_drop ? 0 : 1;
}
