// SPDX-License-Identifier: GPL-2.0
/*
 * The host-side twin of mixed_kfuncs.bpf.c for the libbpf comparison: a kfunc no kernel has
 * (standing in for one added after the oldest kernel of a fleet), called by one program only.
 *
 * Program count_getpid, tp/syscalls/sys_enter_getpid: calls += 1. Needs nothing special.
 * Program call_future, tp_btf/sys_enter: calls bpflux_future_kfunc() (strong __ksym, in no kernel).
 *
 * bpflux loads count_getpid alone on every kernel and reports call_future as missing_kfunc.
 * libbpf 1.1 resolves every extern of the object at bpf_object__load, so even with only
 * count_getpid autoloaded it fails:
 *   libbpf: extern (func ksym) 'bpflux_future_kfunc': not found in kernel or module BTFs
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

extern int bpflux_future_kfunc(void) __ksym;

__u64 calls = 0;

SEC("tp/syscalls/sys_enter_getpid")
int count_getpid(void *ctx)
{
    __sync_fetch_and_add(&calls, 1);
    return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(call_future)
{
    return bpflux_future_kfunc();
}
