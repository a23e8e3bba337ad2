// SPDX-License-Identifier: GPL-2.0
/*
 * Typed __ksym variables: externs whose type is in vmlinux BTF. A loader writes their BTF
 * VAR id into ld_imm64 (BPF_PSEUDO_BTF_ID); the KERNEL then needs the variable's address
 * from kallsyms, which lists data symbols only with CONFIG_KALLSYMS_ALL. So on the 6.18
 * development host the kernel rejects the program ("ldimm64 failed to find the address for
 * kernel symbol 'bpf_prog_active'"): a loader must surface that clearly. Debian 6.1/6.12
 * have KALLSYMS_ALL: there it loads and runs.
 *
 * Externs: bpf_prog_active (per-CPU int), runqueues (per-CPU struct rq).
 *
 * Program read_percpu_ksyms, xdp, run with BPF_PROG_TEST_RUN:
 *   runs += 1
 *   prog_active = *bpf_this_cpu_ptr(&bpf_prog_active) (this CPU's count of running
 *                 tracing programs: 0 while a test run executes an xdp program)
 *   rq0_found = 1 when bpf_per_cpu_ptr(&runqueues, 0) returned non-NULL (CPU 0 exists)
 *   this_rq_cpu = bpf_this_cpu_ptr(&runqueues)->cpu, this_cpu = bpf_get_smp_processor_id():
 *                 equal when the per-CPU address was resolved correctly
 * Returns XDP_PASS.
 *
 * A test (matrix): load, test-run, expect runs == 1, rq0_found == 1, this_rq_cpu == this_cpu,
 * prog_active == 0. On the dev host: expect the load to fail with the kernel's message.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

extern const int bpf_prog_active __ksym;
extern const struct rq runqueues __ksym;

__u64 runs = 0;
__s32 prog_active = 0;
__u64 rq0_found = 0;
__s32 this_rq_cpu = 0;
__s32 this_cpu = 0;

SEC("xdp")
int read_percpu_ksyms(struct xdp_md *ctx)
{
	runs++;
	prog_active = *(const int *)bpf_this_cpu_ptr(&bpf_prog_active);

	if (bpf_per_cpu_ptr(&runqueues, 0))
		rq0_found = 1;

	const struct rq *rq = bpf_this_cpu_ptr(&runqueues);

	this_rq_cpu = rq->cpu;
	this_cpu = bpf_get_smp_processor_id();
	return XDP_PASS;
}
