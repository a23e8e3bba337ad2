// SPDX-License-Identifier: GPL-2.0
/*
 * BPF LSM (BPF_PROG_TYPE_LSM, attach_btf_id of bpf_lsm_file_open, BPF_LSM_MAC). Needs
 * CONFIG_BPF_LSM and "bpf" in the active LSM list: the 6.18 development host has both (its
 * CONFIG_LSM lists bpf and the command line does not override it). Debian's 6.1 and 6.12
 * kernels build BPF LSM but do not enable it by default (no "bpf" in their lsm= list): there
 * the program loads but attaching fails.
 *
 * Configuration (.rodata, set before load): target_tgid. At run time (.bss): deny_ino and
 * target_tid, the one thread that counts (0: all of target_tgid; JVM threads open files too).
 *
 * Program check_file_open, lsm/file_open (struct file *file, int ret): for opens by
 * target_tgid (thread target_tid): opens += 1, last_ino = file->f_inode->i_ino; returns -EPERM (-1) when the
 * file's inode number is deny_ino (non-zero). An earlier denial (`ret` != 0) is kept as -EPERM:
 * returning `ret` itself is refused by verifiers that check an LSM program's return range (6.12
 * and later: "R0 ... should have been in [-4095, 0]"), since they cannot bound an argument.
 *
 * A test: load, attach, open a temp file k times and expect opens >= k and last_ino == the
 * file's inode (Files.getAttribute(path, "unix:ino")); set deny_ino to it and expect the
 * next open to fail with EPERM (AccessDeniedException); detach and expect it to succeed.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "target_thread.h"

char LICENSE[] SEC("license") = "GPL";

#define EPERM 1


__u64 deny_ino = 0;
__u64 opens = 0;
__u64 last_ino = 0;

SEC("lsm/file_open")
int BPF_PROG(check_file_open, struct file *file, int ret)
{
	if (ret != 0)
		return -EPERM;
	if (!from_target())
		return 0;

	__u64 ino = file->f_inode->i_ino;

	__sync_fetch_and_add(&opens, 1);
	last_ino = ino;
	/* A branch with a constant, not clang's branch-free -(cond & 1): the verifier loses R0's
	 * bounds on BPF_NEG and would refuse the return range. */
	if (deny_ino != 0 && ino == deny_ino) {
		int denied = -EPERM;
		barrier_var(denied);
		return denied;
	}
	return 0;
}
