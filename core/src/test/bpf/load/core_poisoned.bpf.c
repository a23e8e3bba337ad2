// SPDX-License-Identifier: GPL-2.0
/*
 * A CO-RE read that no kernel can satisfy, unguarded: the loader poisons it (call 0xbad2310)
 * and the verifier rejects the program there. Loader concern: the error leads with the
 * instruction the verifier rejected and names the relocation behind it in one line, not a log
 * tail of notes about other relocations.
 *
 * task_struct___poisoned has pid (exists) and bpflux_absent_0 .. bpflux_absent_23 (exist nowhere).
 *
 * Program read_absent, tp/syscalls/sys_enter_getpid: reads bpflux_absent_0 unguarded (its
 * relocation is poisoned and reached: the verifier says "invalid func unknown#195896080"),
 * after it 23 guarded reads of the other absent fields (poisoned too, never reached) - more
 * poisoned relocations than a 20-line log tail.
 *
 * Program read_guarded: the same guarded reads alone; loads (poisoned but unreachable).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

struct task_struct___poisoned {
	int pid;
	int bpflux_absent_0, bpflux_absent_1, bpflux_absent_2, bpflux_absent_3, bpflux_absent_4,
	    bpflux_absent_5, bpflux_absent_6, bpflux_absent_7, bpflux_absent_8, bpflux_absent_9,
	    bpflux_absent_10, bpflux_absent_11, bpflux_absent_12, bpflux_absent_13, bpflux_absent_14,
	    bpflux_absent_15, bpflux_absent_16, bpflux_absent_17, bpflux_absent_18, bpflux_absent_19,
	    bpflux_absent_20, bpflux_absent_21, bpflux_absent_22, bpflux_absent_23;
} __attribute__((preserve_access_index));

__u64 sum = 0;

#define GUARDED(t, f) \
	if (bpf_core_field_exists(t->f)) \
		sum += BPF_CORE_READ(t, f)

static __always_inline void guarded_reads(struct task_struct___poisoned *t)
{
	GUARDED(t, bpflux_absent_1); GUARDED(t, bpflux_absent_2); GUARDED(t, bpflux_absent_3);
	GUARDED(t, bpflux_absent_4); GUARDED(t, bpflux_absent_5); GUARDED(t, bpflux_absent_6);
	GUARDED(t, bpflux_absent_7); GUARDED(t, bpflux_absent_8); GUARDED(t, bpflux_absent_9);
	GUARDED(t, bpflux_absent_10); GUARDED(t, bpflux_absent_11); GUARDED(t, bpflux_absent_12);
	GUARDED(t, bpflux_absent_13); GUARDED(t, bpflux_absent_14); GUARDED(t, bpflux_absent_15);
	GUARDED(t, bpflux_absent_16); GUARDED(t, bpflux_absent_17); GUARDED(t, bpflux_absent_18);
	GUARDED(t, bpflux_absent_19); GUARDED(t, bpflux_absent_20); GUARDED(t, bpflux_absent_21);
	GUARDED(t, bpflux_absent_22); GUARDED(t, bpflux_absent_23);
}

SEC("tp/syscalls/sys_enter_getpid")
int read_absent(void *ctx)
{
	struct task_struct___poisoned *t = (void *)bpf_get_current_task();

	sum += BPF_CORE_READ(t, bpflux_absent_0);
	guarded_reads(t);
	return 0;
}

SEC("tp/syscalls/sys_enter_getpid")
int read_guarded(void *ctx)
{
	struct task_struct___poisoned *t = (void *)bpf_get_current_task();

	sum += BPF_CORE_READ(t, pid);
	guarded_reads(t);
	return 0;
}
