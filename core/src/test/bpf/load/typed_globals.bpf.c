// SPDX-License-Identifier: GPL-2.0
/*
 * .rodata configuration of every type a user sets by text (bpflux load --set VAR=VALUE,
 * LoadOptions.withVariable): the value parser's test object, unit tests reading its BTF and a
 * kernel test that sets values, loads and reads them back.
 *
 *   integers   cfg_u8 (__u8), cfg_s8 (__s8), cfg_u16, cfg_s16, cfg_u32 (__u32), cfg_s32 (__s32),
 *              cfg_u64, cfg_s64, cfg_uint (unsigned int), cfg_long (long), cfg_pid (pid_t: a
 *              typedef of int)
 *   bool       cfg_bool (default false)
 *   char[16]   cfg_name (default "default")
 *   enums      cfg_mode (enum mode: MODE_OFF 0, MODE_FAST 1, MODE_SAFE 2, 4 bytes, unsigned),
 *              cfg_level (enum level: LEVEL_LOW -1, LEVEL_HIGH 1, signed),
 *              cfg_big (enum big: BIG_ONE 1, BIG_HUGE 1 << 40, an ENUM64)
 *   arrays     cfg_ports (__u32[4])
 *   rejected   cfg_ratio (float), cfg_ptr (void *), cfg_pair (struct pair)
 *
 * Program copy_typed, xdp (run it with BPF_PROG_TEST_RUN): copies cfg_u32, cfg_s32, cfg_bool,
 * cfg_name, cfg_mode, cfg_level, cfg_s64 and cfg_ports[3] into the .bss out_* variables, so a test
 * sees what the program read, and returns XDP_PASS (2).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

enum mode { MODE_OFF, MODE_FAST, MODE_SAFE };
enum level { LEVEL_LOW = -1, LEVEL_HIGH = 1 };
enum big { BIG_ONE = 1, BIG_HUGE = 1ULL << 40 };

struct pair {
	__u16 a;
	__u64 b;
};

const volatile __u8 cfg_u8 = 0;
const volatile __s8 cfg_s8 = 0;
const volatile __u16 cfg_u16 = 0;
const volatile __s16 cfg_s16 = 0;
const volatile __u32 cfg_u32 = 0;
const volatile __s32 cfg_s32 = 0;
const volatile __u64 cfg_u64 = 0;
const volatile __s64 cfg_s64 = 0;
const volatile unsigned int cfg_uint = 0;
const volatile long cfg_long = 0;
const volatile pid_t cfg_pid = 0;
const volatile bool cfg_bool = false;
const volatile char cfg_name[16] = "default";
const volatile enum mode cfg_mode = MODE_OFF;
const volatile enum level cfg_level = LEVEL_HIGH;
const volatile enum big cfg_big = BIG_ONE;
const volatile __u32 cfg_ports[4] = { 0 };
const volatile float cfg_ratio = 0.5f;
void *const volatile cfg_ptr = 0;
const volatile struct pair cfg_pair = { 1, 2 };

__u32 out_u32 = 0;
__s32 out_s32 = 0;
bool out_bool = false;
char out_name[16] = {};
__u32 out_mode = 0;
__s32 out_level = 0;
__s64 out_s64 = 0;
__u32 out_port3 = 0;

SEC("xdp")
int copy_typed(struct xdp_md *ctx)
{
	out_u32 = cfg_u32;
	out_s32 = cfg_s32;
	out_bool = cfg_bool;
	/* Element by element: a memcpy that casts away volatile lets clang copy the initializer. */
#pragma unroll
	for (int i = 0; i < sizeof(out_name); i++)
		out_name[i] = cfg_name[i];
	out_mode = cfg_mode;
	out_level = cfg_level;
	out_s64 = cfg_s64;
	out_port3 = cfg_ports[3];
	return XDP_PASS;
}
