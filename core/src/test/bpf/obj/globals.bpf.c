// Global data of every kind: .data, .rodata, .bss, custom .data.* / .rodata.* sections,
// static and global variables, const volatile configuration, arrays and structs.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "Dual BSD/GPL";
__u32 _version SEC("version") = 0x060100;

struct config {
    __u32 pid;
    __u64 flags;
    char name[12];
};

int counter = 5;                                  /* .data */
static __u64 hidden_total = 0x1122334455667788;   /* .data, static */
const volatile __u32 target_pid = 42;             /* .rodata */
const volatile struct config cfg = { .pid = 7, .flags = 3, .name = "bpflux" };
__u64 hits[4];                                    /* .bss */
static int scratch;                               /* .bss, static */
__u32 custom_data SEC(".data.custom") = 0xabcdef;
const volatile __u16 custom_ro SEC(".rodata.custom") = 0x1234;
__u8 big_buffer[256] SEC(".data.buffers");

SEC("raw_tp/sys_enter")
int touch_globals(void *ctx)
{
    __u32 pid = bpf_get_current_pid_tgid() >> 32;

    if (target_pid && pid != target_pid && pid != cfg.pid)
        return 0;
    counter++;
    hidden_total += cfg.flags;
    hits[pid & 3]++;
    scratch = custom_ro;
    custom_data += scratch;
    big_buffer[pid & 255] = cfg.name[0];
    return 0;
}
