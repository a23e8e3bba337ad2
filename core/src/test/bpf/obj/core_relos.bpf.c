// CO-RE relocations of many kinds: field offset/size/existence/signedness, bitfield shifts,
// type existence/size/ids/matches, enum value existence and value.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

struct task_struct___old {
    int old_field_that_never_existed;
} __attribute__((preserve_access_index));

__u64 out[16];

SEC("tp_btf/sched_switch")
int BPF_PROG(core_kinds, bool preempt, struct task_struct *prev, struct task_struct *next)
{
    out[0] = BPF_CORE_READ(next, real_parent, tgid);                    /* FIELD_BYTE_OFFSET */
    out[1] = bpf_core_field_size(next->comm);                           /* FIELD_BYTE_SIZE */
    out[2] = bpf_core_field_exists(((struct task_struct___old *)next)->old_field_that_never_existed);
    out[3] = __builtin_preserve_field_info(next->prio, 3);              /* FIELD_SIGNED */
    out[4] = BPF_CORE_READ_BITFIELD_PROBED(next, in_execve);            /* LSHIFT/RSHIFT */
    out[5] = bpf_core_type_exists(struct task_struct);                  /* TYPE_EXISTS */
    out[6] = bpf_core_type_size(struct task_struct);                    /* TYPE_SIZE */
    out[7] = bpf_core_type_id_local(struct task_struct);                /* TYPE_ID_LOCAL */
    out[8] = bpf_core_type_id_kernel(struct task_struct);               /* TYPE_ID_TARGET */
    out[9] = bpf_core_enum_value_exists(enum bpf_map_type, BPF_MAP_TYPE_ARENA);
    out[10] = bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF);
    out[11] = bpf_core_type_matches(struct task_struct);                /* TYPE_MATCHES */
    out[12] = bpf_core_field_offset(struct task_struct, pid);
    return 0;
}
