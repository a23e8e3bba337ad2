// Code in a section of no known name: a program of unknown type (as in libbpf), refused only if loaded.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

SEC("bogus/thing")
int nowhere(void *ctx)
{
    return 0;
}
