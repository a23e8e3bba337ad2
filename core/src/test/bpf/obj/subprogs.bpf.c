// BPF-to-BPF calls: global and static functions in .text, a static function in a program
// section, functions shared by several programs, bpf_loop and for_each_map_elem callbacks.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 4);
} values SEC(".maps");

__u64 total;

__attribute__((noinline)) int global_add(int a, int b)
{
    return a + b;
}

static __attribute__((noinline)) int static_twice(int a)
{
    return global_add(a, a);
}

static int loop_body(__u32 index, void *ctx)
{
    total += index;
    return 0;
}

static __u64 sum_elem(struct bpf_map *map, __u32 *key, __u64 *val, void *ctx)
{
    total += *val;
    return 0;
}

static __attribute__((noinline)) int in_section_helper(int x)
{
    return x * 3 + 1;
}

/* A static function placed in a program section: a subprogram of that section, not a program. */
SEC("tp/syscalls/sys_enter_getuid")
static __attribute__((noinline)) int section_static(int x)
{
    return x - 1;
}

SEC("tp/syscalls/sys_enter_getuid")
int first(void *ctx)
{
    int r = static_twice(3) + section_static(2);
    r += in_section_helper(r);
    bpf_loop(8, loop_body, 0, 0);
    return r & 1;
}

SEC("tp/syscalls/sys_enter_getuid")
int second(void *ctx)
{
    bpf_for_each_map_elem(&values, sum_elem, 0, 0);
    return in_section_helper(global_add(1, 2)) & 1;
}

SEC("xdp")
int third(struct xdp_md *ctx)
{
    bpf_loop(2, loop_body, 0, 0);
    return static_twice(1) ? XDP_PASS : XDP_DROP;
}
