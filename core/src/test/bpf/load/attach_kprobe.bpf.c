// SPDX-License-Identifier: GPL-2.0
/*
 * kprobe, kretprobe and ksyscall. All three LOAD on any kernel (BPF_PROG_TYPE_KPROBE), but
 * attaching needs CONFIG_KPROBES: not on the 6.18 development host (a loader must report
 * that clearly), yes on the Debian 6.1 and 6.12 kernels of the matrix.
 *
 * Configuration (.rodata, set before load): target_tgid. At run time (.bss): target_tid, the
 * one thread that counts (0: all of target_tgid; the counters are not atomic).
 *
 * Programs (count only calls from target_tgid, thread target_tid):
 *   on_unlink_kprobe     kprobe/do_unlinkat (int dfd, struct filename *name):
 *                        kprobe_calls += 1, kprobe_name = name->name (via
 *                        bpf_probe_read_kernel: kprobes see raw registers, not BTF pointers)
 *   on_unlink_kretprobe  kretprobe/do_unlinkat: kretprobe_calls += 1, kretprobe_ret = ret
 *   on_getpgid_ksyscall  ksyscall/getpgid: the syscall's entry, whatever the kernel names it
 *                        (__x64_sys_getpgid with syscall wrappers, sys_getpgid without):
 *                        ksyscall_calls += 1, ksyscall_arg = pid argument. Uses the
 *                        LINUX_HAS_SYSCALL_WRAPPER virtual __kconfig extern.
 *
 * A test (matrix): attach, unlink a missing file, call getpgid(1234); expect kprobe_calls ==
 * kretprobe_calls == 1, kprobe_name == path, kretprobe_ret == -2, ksyscall_calls == 1,
 * ksyscall_arg == 1234. On the dev host: load succeeds, attach fails with a clear
 * "kprobes not supported" error.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "target_thread.h"

char LICENSE[] SEC("license") = "GPL";


__u64 kprobe_calls = 0;
char kprobe_name[64] = {};
__u64 kretprobe_calls = 0;
__s32 kretprobe_ret = 0;
__u64 ksyscall_calls = 0;
__s32 ksyscall_arg = 0;

SEC("kprobe/do_unlinkat")
int BPF_KPROBE(on_unlink_kprobe, int dfd, struct filename *name)
{
	if (!from_target())
		return 0;
	kprobe_calls++;
	const char *path = BPF_CORE_READ(name, name);
	bpf_probe_read_kernel_str(kprobe_name, sizeof(kprobe_name), path);
	return 0;
}

SEC("kretprobe/do_unlinkat")
int BPF_KRETPROBE(on_unlink_kretprobe, int ret)
{
	if (!from_target())
		return 0;
	kretprobe_calls++;
	kretprobe_ret = ret;
	return 0;
}

SEC("ksyscall/getpgid")
int BPF_KSYSCALL(on_getpgid_ksyscall, pid_t pid)
{
	if (!from_target())
		return 0;
	ksyscall_calls++;
	ksyscall_arg = pid;
	return 0;
}
