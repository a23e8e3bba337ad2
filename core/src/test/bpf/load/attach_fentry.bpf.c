// SPDX-License-Identifier: GPL-2.0
/*
 * fentry/fexit (BPF trampolines, BPF_PROG_TYPE_TRACING with attach_btf_id of a vmlinux
 * FUNC). Kernel function: do_unlinkat(int dfd, struct filename *name), in fs/namei.c, with
 * this signature on 6.1, 6.12 and 6.18; unlink(2), unlinkat(2) and rmdir-less unlinks reach
 * it. Its return type is int: fexit reads the low 32 bits only.
 *
 * Configuration (.rodata, set before load): target_tgid. At run time (.bss): target_tid, the
 * one thread that counts (0: all of target_tgid; the counters are not atomic).
 *
 * Programs (count only calls from target_tgid, thread target_tid):
 *   on_unlink_entry  fentry/do_unlinkat: entry_calls += 1, entry_dfd = dfd,
 *                    entry_name = name->name (kernel copy of the path, read directly
 *                    through the BTF pointer, then bpf_probe_read_kernel_str)
 *   on_unlink_exit   fexit/do_unlinkat: exit_calls += 1, exit_ret = return value,
 *                    exit_name = the path again (arguments are visible at exit too)
 *
 * A test: load, attach both, unlink("/tmp/.../file") an existing file and then a missing
 * one, and expect entry_calls == exit_calls == 2, entry_dfd == AT_FDCWD (-100), entry_name
 * == the missing file's path, exit_ret == -2 (-ENOENT; 0 for the first call).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "target_thread.h"

char LICENSE[] SEC("license") = "GPL";


__u64 entry_calls = 0;
__s32 entry_dfd = 0;
char entry_name[64] = {};
__u64 exit_calls = 0;
__s32 exit_ret = 0;
char exit_name[64] = {};

SEC("fentry/do_unlinkat")
int BPF_PROG(on_unlink_entry, int dfd, struct filename *name)
{
	if (!from_target())
		return 0;
	entry_calls++;
	entry_dfd = dfd;
	bpf_probe_read_kernel_str(entry_name, sizeof(entry_name), name->name);
	return 0;
}

SEC("fexit/do_unlinkat")
int BPF_PROG(on_unlink_exit, int dfd, struct filename *name, int ret)
{
	if (!from_target())
		return 0;
	exit_calls++;
	exit_ret = ret;
	bpf_probe_read_kernel_str(exit_name, sizeof(exit_name), name->name);
	return 0;
}
