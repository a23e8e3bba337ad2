// SPDX-License-Identifier: GPL-2.0
/*
 * CO-RE relocations (.BTF.ext core_relo records) of every kind, resolved against the running
 * kernel's BTF. Each result lands in .bss so a test can compare it with what it derives
 * from /sys/kernel/btf/vmlinux itself (offsets, sizes, type ids, enum values).
 *
 * Local "flavors" (struct x___suffix): the suffix is ignored when matching kernel types.
 *   task_struct___bpflux  has pid (exists) and bpflux_missing_field (exists nowhere); reads
 *                         of the missing field are guarded by bpf_core_field_exists and
 *                         must still pass the verifier (a loader poisons the unreachable
 *                         relocated instruction instead of failing).
 *   task_struct___signed  declares sched_reset_on_fork as a SIGNED 1-bit field: the kernel's
 *                         field is unsigned, so the FIELD_SIGNED relocation yields 0 and a
 *                         set bit reads as 1, not -1.
 *   task_struct___match   pid and tgid (ints): bpf_core_type_matches says 1 (every local
 *                         field exists in the kernel's type with a matching type).
 *   task_struct___nomatch only bpflux_missing_field: bpf_core_type_matches says 0.
 *   pid_type___bpflux     enum with PIDTYPE_TGID = 99 locally: bpf_core_enum_value must
 *                         give the kernel's value (1), and BPFLUX_MISSING_ENUMERATOR does
 *                         not exist.
 *
 * Programs (only for target_tgid, .rodata):
 *   core_probed  tp/syscalls/sys_enter_getpid, task from bpf_get_current_task() (untyped):
 *     pid, tgid, parent_tgid       BPF_CORE_READ (FIELD_BYTE_OFFSET, through real_parent)
 *     comm                         BPF_CORE_READ_STR_INTO (char[16])
 *     reset_on_fork_probed         BPF_CORE_READ_BITFIELD_PROBED(task, sched_reset_on_fork)
 *                                  (FIELD_BYTE_SIZE, FIELD_LSHIFT_U64, FIELD_RSHIFT_U64,
 *                                  FIELD_SIGNED, FIELD_BYTE_OFFSET)
 *     reset_on_fork_signed_flavor  same through task_struct___signed
 *     pid_exists (1), missing_field_exists (0), missing_field_value (stays 0: the guarded read never runs)
 *     comm_size (16), pid_size (4)               FIELD_BYTE_SIZE
 *     pid_offset                                 FIELD_BYTE_OFFSET (offset of pid in the
 *                                                kernel's struct task_struct)
 *     task_struct_exists (1), missing_type_exists (0)       TYPE_EXISTS
 *     task_struct_size                           TYPE_SIZE (kernel's sizeof)
 *     task_struct_id_kernel                      TYPE_ID_TARGET (kernel BTF id)
 *     task_struct_id_local                       TYPE_ID_LOCAL (id in this object's BTF)
 *     task_struct_matches (1, through task_struct___match), nomatch_matches (0),
 *     open_how_matches (vmlinux.h's struct open_how: three __u64 members)  TYPE_MATCHES
 *       By libbpf's documented rules (integers match on size and signedness) this is 1, but
 *       libbpf 1.1 answers 0: it also compares the names of the integer types behind the
 *       typedefs, "unsigned long long" (clang) vs "long long unsigned int" (the kernel's
 *       BTF, from gcc's DWARF). See load/README.md.
 *     ringbuf_enum_exists (1), missing_enum_exists (0)       ENUMVAL_EXISTS
 *     ringbuf_enum_value (27 = BPF_MAP_TYPE_RINGBUF), pidtype_tgid_value (1) ENUMVAL_VALUE
 *     probed_calls += 1
 *   core_direct  tp_btf/sys_enter for syscall target_syscall (.rodata, default 39 =
 *     __NR_getpid on x86_64), task from bpf_get_current_task_btf() (BTF pointer, direct loads):
 *     direct_parent_tgid = task->real_parent->tgid, direct_reset_on_fork =
 *     BPF_CORE_READ_BITFIELD(task, sched_reset_on_fork), direct_calls += 1
 *
 * A test: load, attach both, call getpid(); expect pid == tid of the caller, tgid == pid of
 * the process, parent_tgid == direct_parent_tgid == getppid(), comm == the calling thread's
 * name (/proc/thread-self/comm), reset_on_fork_* == 0; then sched_setscheduler(0,
 * SCHED_OTHER | SCHED_RESET_ON_FORK (0x40000000), {0}) on that thread, call getpid() and
 * expect all three reset_on_fork values == 1; the other values as listed, with offsets,
 * sizes and ids checked against the test's own reading of vmlinux BTF.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

struct task_struct___bpflux {
	int pid;
	int bpflux_missing_field;
} __attribute__((preserve_access_index));

struct task_struct___signed {
	int sched_reset_on_fork: 1;
} __attribute__((preserve_access_index));

struct task_struct___match {
	int pid;
	int tgid;
};

struct task_struct___nomatch {
	int bpflux_missing_field;
};

struct bpflux_no_such_type {
	int x;
};

enum pid_type___bpflux {
	PIDTYPE_TGID___bpflux = 99,
	BPFLUX_MISSING_ENUMERATOR = 12345,
};

const volatile __s32 target_tgid = 0;
const volatile __s64 target_syscall = 39;

__u64 probed_calls = 0;
__s32 pid = 0;
__s32 tgid = 0;
__s32 parent_tgid = 0;
char comm[16] = {};
__u64 reset_on_fork_probed = 0;
__s64 reset_on_fork_signed_flavor = 0;
__u32 pid_exists = 0;
__u32 missing_field_exists = 0;
__u64 missing_field_value = 0;
__u32 comm_size = 0;
__u32 pid_size = 0;
__u32 pid_offset = 0;
__u32 task_struct_exists = 0;
__u32 missing_type_exists = 0;
__u32 task_struct_size = 0;
__u32 task_struct_id_kernel = 0;
__u32 task_struct_id_local = 0;
__u32 task_struct_matches = 0;
__u32 nomatch_matches = 0;
__u32 open_how_matches = 0;
__u32 ringbuf_enum_exists = 0;
__u32 missing_enum_exists = 0;
__u64 ringbuf_enum_value = 0;
__u64 pidtype_tgid_value = 0;

__u64 direct_calls = 0;
__s32 direct_parent_tgid = 0;
__u64 direct_reset_on_fork = 0;

SEC("tp/syscalls/sys_enter_getpid")
int core_probed(void *ctx)
{
	if ((bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;

	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct task_struct___bpflux *flavored = (void *)task;
	struct task_struct___signed *signed_flavor = (void *)task;

	probed_calls++;
	pid = BPF_CORE_READ(task, pid);
	tgid = BPF_CORE_READ(task, tgid);
	parent_tgid = BPF_CORE_READ(task, real_parent, tgid);
	BPF_CORE_READ_STR_INTO(&comm, task, comm);
	reset_on_fork_probed = BPF_CORE_READ_BITFIELD_PROBED(task, sched_reset_on_fork);
	reset_on_fork_signed_flavor = BPF_CORE_READ_BITFIELD_PROBED(signed_flavor, sched_reset_on_fork);

	pid_exists = bpf_core_field_exists(flavored->pid);
	missing_field_exists = bpf_core_field_exists(flavored->bpflux_missing_field);
	if (bpf_core_field_exists(flavored->bpflux_missing_field))
		missing_field_value = BPF_CORE_READ(flavored, bpflux_missing_field);

	comm_size = bpf_core_field_size(task->comm);
	pid_size = bpf_core_field_size(task->pid);
	pid_offset = bpf_core_field_offset(struct task_struct, pid);

	task_struct_exists = bpf_core_type_exists(struct task_struct);
	missing_type_exists = bpf_core_type_exists(struct bpflux_no_such_type);
	task_struct_size = bpf_core_type_size(struct task_struct);
	task_struct_id_kernel = bpf_core_type_id_kernel(struct task_struct);
	task_struct_id_local = bpf_core_type_id_local(struct task_struct);
	task_struct_matches = bpf_core_type_matches(struct task_struct___match);
	open_how_matches = bpf_core_type_matches(struct open_how);
	nomatch_matches = bpf_core_type_matches(struct task_struct___nomatch);

	ringbuf_enum_exists = bpf_core_enum_value_exists(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF);
	missing_enum_exists = bpf_core_enum_value_exists(enum pid_type___bpflux,
							 BPFLUX_MISSING_ENUMERATOR);
	ringbuf_enum_value = bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF);
	pidtype_tgid_value = bpf_core_enum_value(enum pid_type___bpflux, PIDTYPE_TGID___bpflux);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(core_direct, struct pt_regs *regs, long id)
{
	if ((bpf_get_current_pid_tgid() >> 32) != target_tgid || id != target_syscall)
		return 0;

	struct task_struct *task = bpf_get_current_task_btf();

	direct_calls++;
	direct_parent_tgid = task->real_parent->tgid;
	direct_reset_on_fork = BPF_CORE_READ_BITFIELD(task, sched_reset_on_fork);
	return 0;
}
