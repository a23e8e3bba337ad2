// Every flavour of BTF-defined map the object model decodes: sized by type and by __uint,
// flags, pinning, numa_node, map_extra, prog array and map-in-map with .values initializers.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

struct key3 {
    __u32 a;
    __u16 b;
    __u8 c;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, struct key3);
    __type(value, __u64);
    __uint(max_entries, 128);
    __uint(map_flags, BPF_F_NO_PREALLOC);
} hash_by_type SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(key_size, 4);
    __uint(value_size, 24);
    __uint(max_entries, 16);
} array_by_size SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 4);
} percpu SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __type(key, __u32);
    __type(value, __u32);
    __uint(max_entries, 1000);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
    __uint(numa_node, 0);
} pinned_lru SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __uint(key_size, sizeof(__u32));
    __uint(value_size, sizeof(__u32));
} perf_events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
    __type(value, __u32);
    __uint(max_entries, 64);
    __uint(map_extra, 3);
} bloom SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);
    __type(key, __u64);
    __type(value, __u32);
    __uint(max_entries, 8);
    __uint(map_flags, BPF_F_NO_PREALLOC);
} trie SEC(".maps");

struct inner_array {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u32);
    __uint(max_entries, 2);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
    __uint(max_entries, 4);
    __type(key, __u32);
    __array(values, struct inner_array);
} outer_array SEC(".maps") = {
    .values = { [0] = &inner_a, [3] = &inner_b },
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
    __uint(max_entries, 8);
    __type(key, __u32);
    __array(values, struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __type(key, __u32);
        __type(value, __u64);
        __uint(max_entries, 32);
    });
} outer_hash SEC(".maps");

int tail_target(void *ctx);

struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 3);
    __uint(key_size, sizeof(__u32));
    __array(values, int (void *));
} jump_table SEC(".maps") = {
    .values = { [1] = (void *)&tail_target },
};

SEC("tp/syscalls/sys_enter_getpid")
int tail_target(void *ctx)
{
    return 0;
}

SEC("tp/syscalls/sys_enter_getppid")
int use_maps(void *ctx)
{
    struct key3 k = { .a = 1, .b = 2, .c = 3 };
    __u32 zero = 0, v = 7;
    __u64 *h = bpf_map_lookup_elem(&hash_by_type, &k);
    void *a = bpf_map_lookup_elem(&array_by_size, &zero);
    __u64 *p = bpf_map_lookup_elem(&percpu, &zero);
    void *inner;

    if (h && a && p)
        *p += *h;
    bpf_map_update_elem(&pinned_lru, &zero, &v, BPF_ANY);
    bpf_map_push_elem(&bloom, &v, 0);
    bpf_map_lookup_elem(&trie, &zero);
    inner = bpf_map_lookup_elem(&outer_array, &zero);
    if (inner)
        bpf_map_lookup_elem(inner, &zero);
    inner = bpf_map_lookup_elem(&outer_hash, &zero);
    if (inner)
        bpf_map_lookup_elem(inner, &zero);
    bpf_ringbuf_output(&events, &v, sizeof(v), 0);
    bpf_perf_event_output(ctx, &perf_events, BPF_F_CURRENT_CPU, &v, sizeof(v));
    bpf_tail_call(ctx, &jump_table, 1);
    return 0;
}
