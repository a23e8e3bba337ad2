// SPDX-License-Identifier: GPL-2.0
/*
 * __kconfig externs of every type a loader resolves from the kernel config
 * (/proc/config.gz, else /boot/config-$(uname -r)) and the virtual LINUX_* values a loader
 * computes itself. Resolved values go into an internal read-only ".kconfig" map.
 *
 * Externs, their C type, and what they resolve to here (6.18 dev host) / Debian 6.1 and
 * 6.12 (x86_64 cloud kernels):
 *   CONFIG_BPF_SYSCALL        bool                   y -> true / true
 *   CONFIG_TUN                char (tristate)        'y' / 'm'
 *   CONFIG_NET_CLS_BPF        enum libbpf_tristate   TRI_YES (1) / TRI_MODULE (2)
 *   CONFIG_KPROBES            enum libbpf_tristate, __weak: "is not set" here -> TRI_NO (0)
 *                                                    / TRI_YES (1)
 *   CONFIG_ARCH_MMAP_RND_BITS u8,  decimal           28 / 28
 *   CONFIG_NR_CPUS            u16, decimal           256 / 8192
 *   CONFIG_HZ                 int (s32), decimal     250 / 250
 *   CONFIG_PHYSICAL_ALIGN     u32, hex               0x1000000 / 0x200000
 *   CONFIG_ILLEGAL_POINTER_VALUE  u64, hex           0xdead000000000000 / same
 *   CONFIG_DEFAULT_MMAP_MIN_ADDR  long (s64), decimal 4096 / 65536
 *   CONFIG_DEFAULT_HOSTNAME   char[16], string       "(none)" / "(none)"
 *   CONFIG_LOCALVERSION       char[32], string       "-fc-v669" / ""
 *   CONFIG_BPFLUX_MISSING_INT, _BOOL, _STRING (int, bool, char[8]), __weak, in no kernel:
 *                                                    0, false, "" (all zero bytes)
 *   LINUX_KERNEL_VERSION      unsigned int           (a << 16) + (b << 8) + min(c, 255) of the
 *                                                    running kernel's a.b.c: 6.18.44 -> 0x06122c
 *   LINUX_HAS_SYSCALL_WRAPPER bool                   whether syscalls enter through
 *                            __<arch>_sys_<name> wrappers (true on x86_64 since 4.17: kallsyms
 *                            lists __x64_sys_getpid here). libbpf 1.1 answers false on this
 *                            host because it finds out by creating a kprobe on __x64_sys_bpf
 *                            and this kernel has no kprobes; true on the Debian kernels.
 *   LINUX_HAS_BPF_COOKIE      bool                   true (bpf_get_attach_cookie, 5.15+)
 *
 * The values of the dev host column were read from its /proc/config.gz; a test derives its
 * expectations the same way (parse the config itself) rather than hard-coding them.
 *
 * Program copy_kconfig, xdp: run once with BPF_PROG_TEST_RUN (any packet); copies every
 * extern above into the .bss variable of the same name in lower case with an "out_" prefix
 * (out_bpf_syscall, out_tun, ...) and sets runs += 1. Returns XDP_PASS.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

extern bool CONFIG_BPF_SYSCALL __kconfig;
extern char CONFIG_TUN __kconfig;
extern enum libbpf_tristate CONFIG_NET_CLS_BPF __kconfig;
extern enum libbpf_tristate CONFIG_KPROBES __kconfig __weak;
extern __u8 CONFIG_ARCH_MMAP_RND_BITS __kconfig;
extern __u16 CONFIG_NR_CPUS __kconfig;
extern int CONFIG_HZ __kconfig;
extern __u32 CONFIG_PHYSICAL_ALIGN __kconfig;
extern __u64 CONFIG_ILLEGAL_POINTER_VALUE __kconfig;
extern long CONFIG_DEFAULT_MMAP_MIN_ADDR __kconfig;
extern char CONFIG_DEFAULT_HOSTNAME[16] __kconfig;
extern char CONFIG_LOCALVERSION[32] __kconfig;
extern int CONFIG_BPFLUX_MISSING_INT __kconfig __weak;
extern bool CONFIG_BPFLUX_MISSING_BOOL __kconfig __weak;
extern char CONFIG_BPFLUX_MISSING_STRING[8] __kconfig __weak;
extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern bool LINUX_HAS_SYSCALL_WRAPPER __kconfig;
extern bool LINUX_HAS_BPF_COOKIE __kconfig;

__u64 runs = 0;
bool out_bpf_syscall = false;
char out_tun = 0;
__u32 out_net_cls_bpf = 0;
__u32 out_kprobes = 0;
__u8 out_arch_mmap_rnd_bits = 0;
__u16 out_nr_cpus = 0;
__s32 out_hz = 0;
__u32 out_physical_align = 0;
__u64 out_illegal_pointer_value = 0;
__s64 out_default_mmap_min_addr = 0;
char out_default_hostname[16] = {};
char out_localversion[32] = {};
__s32 out_bpflux_missing_int = 0;
bool out_bpflux_missing_bool = false;
char out_bpflux_missing_string[8] = {};
__u32 out_linux_kernel_version = 0;
bool out_linux_has_syscall_wrapper = false;
bool out_linux_has_bpf_cookie = false;

SEC("xdp")
int copy_kconfig(struct xdp_md *ctx)
{
	runs++;
	out_bpf_syscall = CONFIG_BPF_SYSCALL;
	out_tun = CONFIG_TUN;
	out_net_cls_bpf = CONFIG_NET_CLS_BPF;
	out_kprobes = CONFIG_KPROBES;
	out_arch_mmap_rnd_bits = CONFIG_ARCH_MMAP_RND_BITS;
	out_nr_cpus = CONFIG_NR_CPUS;
	out_hz = CONFIG_HZ;
	out_physical_align = CONFIG_PHYSICAL_ALIGN;
	out_illegal_pointer_value = CONFIG_ILLEGAL_POINTER_VALUE;
	out_default_mmap_min_addr = CONFIG_DEFAULT_MMAP_MIN_ADDR;
	__builtin_memcpy(out_default_hostname, CONFIG_DEFAULT_HOSTNAME, sizeof(out_default_hostname));
	__builtin_memcpy(out_localversion, CONFIG_LOCALVERSION, sizeof(out_localversion));
	out_bpflux_missing_int = CONFIG_BPFLUX_MISSING_INT;
	out_bpflux_missing_bool = CONFIG_BPFLUX_MISSING_BOOL;
	__builtin_memcpy(out_bpflux_missing_string, CONFIG_BPFLUX_MISSING_STRING,
			 sizeof(out_bpflux_missing_string));
	out_linux_kernel_version = LINUX_KERNEL_VERSION;
	out_linux_has_syscall_wrapper = LINUX_HAS_SYSCALL_WRAPPER;
	out_linux_has_bpf_cookie = LINUX_HAS_BPF_COOKIE;
	return XDP_PASS;
}
