// A map in the legacy "maps" section (struct bpf_map_def): bpflux rejects it.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

struct legacy_map_def {
    unsigned int type;
    unsigned int key_size;
    unsigned int value_size;
    unsigned int max_entries;
    unsigned int map_flags;
};

struct legacy_map_def legacy SEC("maps") = {
    .type = BPF_MAP_TYPE_ARRAY,
    .key_size = 4,
    .value_size = 8,
    .max_entries = 1,
};

SEC("xdp")
int legacy_user(struct xdp_md *ctx)
{
    __u32 k = 0;
    return bpf_map_lookup_elem(&legacy, &k) ? XDP_PASS : XDP_DROP;
}
