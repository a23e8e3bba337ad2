// SPDX-License-Identifier: GPL-2.0
/*
 * Global variables in every kind of data section. Loader concerns: one internal array map
 * per section (.data, .rodata, .bss, .data.foo, .rodata.bar, .rodata.str1.1), initial
 * values, .rodata frozen after the user's configuration is written, DATASEC variable
 * offsets (0 in clang's BTF: a loader fills them in from the ELF symbols), ld_imm64
 * relocations against data sections (BPF_PSEUDO_MAP_VALUE).
 *
 * Sections and variables:
 *   .rodata      const volatile: cfg_multiplier (u32, default 1), cfg_magic (u64, default 0),
 *                cfg_name (char[16], default "default"), cfg_flag (bool, default false)
 *                -- a user sets these before load; the verifier then sees them as constants
 *   .rodata.bar  const volatile u64 bar_const = 0xfeedfacecafebeef (custom read-only section)
 *   .rodata.str1.1  the string literal "literal from .rodata.str1.1" (clang's mergeable
 *                string section), read through bpf_probe_read_kernel_str
 *   .data        data_counter (s32, starts 7), data_pair (struct { u16 a; u64 b; } = {3, 4})
 *   .data.foo    foo_values (u32[4] = {1, 2, 3, 4}) (custom writable section)
 *   .bss         calls, out_* copies (all start zero)
 *
 * Program copy_config, tp/syscalls/sys_enter_getpid, for getpid calls of target_tgid (of thread
 * target_tid, .bss, when user space sets it):
 *   calls += 1
 *   out_multiplied = calls * cfg_multiplier; out_magic = cfg_magic; out_name = cfg_name;
 *   out_flag = cfg_flag; out_bar = bar_const; out_literal = the string literal;
 *   data_counter += 1; foo_values[calls % 4] += 10; out_pair_sum = data_pair.a + data_pair.b
 *
 * A test: set cfg_multiplier = 3, cfg_magic = 0x1122334455667788, cfg_name = "bpflux" and
 * cfg_flag = true, load, attach, call getpid() twice and expect calls == 2, out_multiplied
 * == 6, out_magic and out_name and out_flag as set, out_bar == 0xfeedfacecafebeef,
 * out_literal == "literal from .rodata.str1.1", data_counter == 9, foo_values ==
 * {1, 2, 3, 4} + 10 at indexes 1 and 2, out_pair_sum == 7; writing .rodata after load
 * must fail (the map is frozen).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "target_thread.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 cfg_multiplier = 1;
const volatile __u64 cfg_magic = 0;
const volatile char cfg_name[16] = "default";
const volatile bool cfg_flag = false;

const volatile __u64 bar_const SEC(".rodata.bar") = 0xfeedfacecafebeefULL;

__s32 data_counter = 7;
struct pair {
	__u16 a;
	__u64 b;
} data_pair = { 3, 4 };

__u32 foo_values[4] SEC(".data.foo") = { 1, 2, 3, 4 };

__u64 calls = 0;
__u64 out_multiplied = 0;
__u64 out_magic = 0;
char out_name[16] = {};
bool out_flag = false;
__u64 out_bar = 0;
char out_literal[32] = {};
__u64 out_pair_sum = 0;

SEC("tp/syscalls/sys_enter_getpid")
int copy_config(void *ctx)
{
	if (!from_target())
		return 0;

	__u64 n = ++calls;

	out_multiplied = n * cfg_multiplier;
	out_magic = cfg_magic;
	bpf_probe_read_kernel(out_name, sizeof(out_name), (const void *)cfg_name);
	out_flag = cfg_flag;
	out_bar = bar_const;
	bpf_probe_read_kernel_str(out_literal, sizeof(out_literal), "literal from .rodata.str1.1");
	data_counter++;
	foo_values[n & 3] += 10;
	out_pair_sum = data_pair.a + data_pair.b;
	return 0;
}
