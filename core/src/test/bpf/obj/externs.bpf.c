// Kernel externs: __kconfig values (one __weak and missing), typed and untyped __ksym
// variables, kfuncs (one __weak that no kernel has).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

extern int LINUX_KERNEL_VERSION __kconfig;
extern int CONFIG_HZ __kconfig;
extern bool CONFIG_BPF_SYSCALL __kconfig;
extern int CONFIG_BPFLUX_DOES_NOT_EXIST __kconfig __weak;

extern const int bpf_prog_active __ksym;
extern const void bpf_link_fops __ksym;
extern const void bpflux_missing_symbol __ksym __weak;

struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
void bpf_task_release(struct task_struct *p) __ksym;
void bpflux_missing_kfunc(void) __ksym __weak;

__u64 seen;

SEC("tp_btf/task_newtask")
int BPF_PROG(use_externs, struct task_struct *task, u64 clone_flags)
{
    struct task_struct *acquired;
    int *active;

    if (LINUX_KERNEL_VERSION < KERNEL_VERSION(5, 13, 0) || !CONFIG_BPF_SYSCALL)
        return 0;
    seen = CONFIG_HZ + CONFIG_BPFLUX_DOES_NOT_EXIST;
    seen += (__u64)&bpf_link_fops;
    if (&bpflux_missing_symbol)
        seen++;
    active = bpf_this_cpu_ptr(&bpf_prog_active);
    seen += *active;
    acquired = bpf_task_acquire(task);
    if (acquired)
        bpf_task_release(acquired);
    if (bpflux_missing_kfunc)
        bpflux_missing_kfunc();
    return 0;
}
