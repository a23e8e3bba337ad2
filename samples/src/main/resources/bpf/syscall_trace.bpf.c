// SPDX-License-Identifier: GPL-2.0
/*
 * Streams syscall events into a ring buffer for the bpflux syscall tracing sample.
 *
 * Programs (tracepoints; each emits one event per syscall entry that passes the filter):
 *   trace_openat   tp/syscalls/sys_enter_openat   kind 1, str = filename (user string)
 *   trace_execve   tp/syscalls/sys_enter_execve   kind 2, str = filename (user string)
 *   trace_write    tp/syscalls/sys_enter_write    kind 3, no str (the buffer is not copied)
 *   trace_connect  tp/syscalls/sys_enter_connect  kind 4, str = the first min(addrlen, 128)
 *                                                 bytes of the struct sockaddr (user memory)
 *   trace_kill     tp/syscalls/sys_enter_kill     kind 5, no str
 *   trace_other_syscalls  tp/raw_syscalls/sys_enter  kind 0, every other syscall (those five
 *                  are skipped by number so they are not reported twice); only when
 *                  trace_other (.rodata) is true
 *
 * Configuration (.rodata, set before load):
 *   u32  filter_pid    process id (tgid) to trace, 0 for all processes
 *   u32  exclude_pid   a process never traced (the tracer's own pid, so its writes to the
 *                      terminal do not feed back), 0 for none
 *   bool trace_other   emit kind-0 events for all other syscalls (default true)
 *
 * Results (.bss): u64 emitted (events submitted), u64 dropped (ring buffer full: events lost).
 * Map events: BPF_MAP_TYPE_RINGBUF, 4 MiB.
 *
 * Event record, 352 bytes, little endian, fields at fixed offsets (mirror this in Java):
 *   offset  size  field
 *     0      8    u64 ts_ns        bpf_ktime_get_ns() at syscall entry (CLOCK_MONOTONIC)
 *     8      4    u32 pid          process id (tgid)
 *    12      4    u32 tid          thread id
 *    16      4    u32 uid          real uid
 *    20      4    s32 syscall_nr   architecture syscall number (x86_64 or arm64 table)
 *    24     48    u64 args[6]      raw arguments; slots the syscall does not have are 0.
 *                                  Syscall tracepoints store int arguments zero-extended:
 *                                  openat's dfd AT_FDCWD (-100) reads 0xffffff9c; cast
 *                                  to int in Java
 *    72     16    char comm[16]    thread name, NUL-terminated
 *    88      2    u16 kind         0 other, 1 openat, 2 execve, 3 write, 4 connect, 5 kill
 *    90      2    u16 str_len      bytes of str in use: for strings including the final
 *                                  NUL (0 when reading user memory failed), for connect the
 *                                  sockaddr bytes copied
 *    92      4    u32 reserved     0
 *    96    256    char str[256]    see kind
 *
 * Argument slots by kind: openat (dfd, filename ptr, flags, mode); execve (filename ptr,
 * argv ptr, envp ptr); write (fd, buf ptr, count); connect (fd, sockaddr ptr, addrlen);
 * kill (pid, sig); other (all six raw registers).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define STR_MAX 256
#define SOCKADDR_MAX 128

enum event_kind {
	KIND_OTHER = 0,
	KIND_OPENAT = 1,
	KIND_EXECVE = 2,
	KIND_WRITE = 3,
	KIND_CONNECT = 4,
	KIND_KILL = 5,
};

/* Numbers of the syscalls with their own program, skipped by trace_other. */
#if defined(__TARGET_ARCH_x86)
#define NR_OPENAT 257
#define NR_EXECVE 59
#define NR_WRITE 1
#define NR_CONNECT 42
#define NR_KILL 62
#elif defined(__TARGET_ARCH_arm64)
#define NR_OPENAT 56
#define NR_EXECVE 221
#define NR_WRITE 64
#define NR_CONNECT 203
#define NR_KILL 129
#else
#error "syscall numbers for this architecture are missing"
#endif

struct syscall_event {
	__u64 ts_ns;
	__u32 pid;
	__u32 tid;
	__u32 uid;
	__s32 syscall_nr;
	__u64 args[6];
	char comm[16];
	__u16 kind;
	__u16 str_len;
	__u32 reserved;
	char str[STR_MAX];
};

_Static_assert(sizeof(struct syscall_event) == 352, "record layout is part of the Java API");

/*
 * Record of a syscalls/sys_enter_<name> tracepoint (tracefs .../format): 8 bytes of common
 * fields, int __syscall_nr at 8, then one 8-byte slot per argument from offset 16. Programs
 * must not read past their syscall's last argument: attaching would fail with EACCES.
 */
struct enter_0 { __u64 common; __s32 nr; __u32 pad; };
struct enter_2 { struct enter_0 h; __u64 args[2]; };
struct enter_3 { struct enter_0 h; __u64 args[3]; };
struct enter_4 { struct enter_0 h; __u64 args[4]; };

const volatile __u32 filter_pid = 0;
const volatile __u32 exclude_pid = 0;
const volatile bool trace_other = true;

__u64 emitted = 0;
__u64 dropped = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

/* Arguments are copied one by one: a loop over ctx->args may compile into a moving ctx
 * pointer, which the verifier rejects ("dereference of modified ctx ptr"). */

/* Reserves and fills the common part of an event, or returns NULL (filtered or full). */
static struct syscall_event *start_event(__s32 nr, __u16 kind)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 pid = id >> 32;

	if ((filter_pid && pid != filter_pid) || (exclude_pid && pid == exclude_pid))
		return NULL;

	struct syscall_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		__sync_fetch_and_add(&dropped, 1);
		return NULL;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = pid;
	e->tid = (__u32)id;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->syscall_nr = nr;
	__builtin_memset(e->args, 0, sizeof(e->args));
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->kind = kind;
	e->str_len = 0;
	e->reserved = 0;
	e->str[0] = 0;
	return e;
}

static void submit(struct syscall_event *e)
{
	bpf_ringbuf_submit(e, 0);
	__sync_fetch_and_add(&emitted, 1);
}

static void copy_user_string(struct syscall_event *e, __u64 user_ptr)
{
	long n = bpf_probe_read_user_str(e->str, sizeof(e->str), (const void *)user_ptr);

	e->str_len = n > 0 ? n : 0;
}

SEC("tp/syscalls/sys_enter_openat")
int trace_openat(struct enter_4 *ctx)
{
	struct syscall_event *e = start_event(ctx->h.nr, KIND_OPENAT);

	if (!e)
		return 0;
	e->args[0] = ctx->args[0];
	e->args[1] = ctx->args[1];
	e->args[2] = ctx->args[2];
	e->args[3] = ctx->args[3];
	copy_user_string(e, ctx->args[1]);
	submit(e);
	return 0;
}

SEC("tp/syscalls/sys_enter_execve")
int trace_execve(struct enter_3 *ctx)
{
	struct syscall_event *e = start_event(ctx->h.nr, KIND_EXECVE);

	if (!e)
		return 0;
	e->args[0] = ctx->args[0];
	e->args[1] = ctx->args[1];
	e->args[2] = ctx->args[2];
	copy_user_string(e, ctx->args[0]);
	submit(e);
	return 0;
}

SEC("tp/syscalls/sys_enter_write")
int trace_write(struct enter_3 *ctx)
{
	struct syscall_event *e = start_event(ctx->h.nr, KIND_WRITE);

	if (!e)
		return 0;
	e->args[0] = ctx->args[0];
	e->args[1] = ctx->args[1];
	e->args[2] = ctx->args[2];
	submit(e);
	return 0;
}

SEC("tp/syscalls/sys_enter_connect")
int trace_connect(struct enter_3 *ctx)
{
	struct syscall_event *e = start_event(ctx->h.nr, KIND_CONNECT);

	if (!e)
		return 0;
	e->args[0] = ctx->args[0];
	e->args[1] = ctx->args[1];
	e->args[2] = ctx->args[2];

	__u32 len = (__u32)ctx->args[2];

	if (len > SOCKADDR_MAX)
		len = SOCKADDR_MAX;
	if (len && bpf_probe_read_user(e->str, len, (const void *)ctx->args[1]) == 0)
		e->str_len = len;
	submit(e);
	return 0;
}

SEC("tp/syscalls/sys_enter_kill")
int trace_kill(struct enter_2 *ctx)
{
	struct syscall_event *e = start_event(ctx->h.nr, KIND_KILL);

	if (!e)
		return 0;
	e->args[0] = ctx->args[0];
	e->args[1] = ctx->args[1];
	submit(e);
	return 0;
}

SEC("tp/raw_syscalls/sys_enter")
int trace_other_syscalls(struct trace_event_raw_sys_enter *ctx)
{
	long nr = ctx->id;

	if (!trace_other || nr == NR_OPENAT || nr == NR_EXECVE || nr == NR_WRITE ||
	    nr == NR_CONNECT || nr == NR_KILL)
		return 0;

	struct syscall_event *e = start_event((__s32)nr, KIND_OTHER);

	if (!e)
		return 0;
	e->args[0] = ctx->args[0];
	e->args[1] = ctx->args[1];
	e->args[2] = ctx->args[2];
	e->args[3] = ctx->args[3];
	e->args[4] = ctx->args[4];
	e->args[5] = ctx->args[5];
	submit(e);
	return 0;
}
