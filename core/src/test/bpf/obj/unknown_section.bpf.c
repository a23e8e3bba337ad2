// Code in a section that is no program section: bpflux rejects it, naming the section.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

SEC("bogus/thing")
int nowhere(void *ctx)
{
    return 0;
}
