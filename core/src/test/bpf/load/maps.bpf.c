// SPDX-License-Identifier: GPL-2.0
/*
 * One map of each common type, declared in BTF-defined ".maps", and programs that use them.
 * Loader concerns: map creation from BTF (key/value types, max_entries, map_flags,
 * map_extra, pinning), prog_array and map-in-map ".values" initialisation, map relocations.
 *
 * Maps (name: type, key -> value, max_entries):
 *   hash_map:         HASH, u32 -> u64, 64                key 1: calls
 *   array_map:        ARRAY, u32 -> u64, 8                 [0]: calls, [1]: last tid
 *   percpu_hash_map:  PERCPU_HASH, u32 -> u64, 16          key 0: calls on each CPU
 *   percpu_array_map: PERCPU_ARRAY, u32 -> u64, 2          [0]: calls on each CPU
 *   lru_hash_map:     LRU_HASH, u32 tid -> u64 calls, 32
 *   lru_percpu_map:   LRU_PERCPU_HASH, u32 tid -> u64 calls per CPU, 32
 *   events_rb:        RINGBUF, 64 KiB                      one u64 (= calls) record per call
 *   events_perf:      PERF_EVENT_ARRAY, max_entries 0      (loader sets it to the possible
 *                     CPUs); one u64 record per call, fails with -ENOENT unless a perf
 *                     buffer is open for the CPU (counted in bss perf_errors)
 *   jump_table:       PROG_ARRAY, 4, .values: [1] = tail_target   (loader fills slot 1)
 *   inner_a, inner_b: ARRAY u32 -> u64, 1 (also the inner map template)
 *   outer_array:      ARRAY_OF_MAPS, 2, .values: [0] = inner_a, [1] = inner_b
 *   outer_hash:       HASH_OF_MAPS, 4, .values: [3] = inner_b    (key 3 -> inner_b)
 *   queue_map:        QUEUE, value u64, 16                 pushes calls (BPF_EXIST: the
 *                                                          oldest value is dropped when full)
 *   stack_map:        STACK, value u64, 16                 pushes calls
 *   bloom_map:        BLOOM_FILTER, value u32, 64, map_extra 3 (hash functions)
 *                                                          pushes 1000 + calls
 *   task_storage_map: TASK_STORAGE, BPF_F_NO_PREALLOC, int -> u64 (see count_task)
 *   bpflux_pinned:    ARRAY u32 -> u64, 1, LIBBPF_PIN_BY_NAME: pinned as
 *                     <pin root, /sys/fs/bpf by default>/bpflux_pinned; [0]: calls
 *   spin_lock_map:    ARRAY u32 -> struct locked_counter { bpf_spin_lock; u64 count }, 1
 *
 * Programs:
 *   exercise_maps  tp/syscalls/sys_enter_getpid: for getpid calls of target_tgid (.rodata),
 *                  only thread target_tid's when user space sets it (.bss: the JVM's other
 *                  threads could call getpid too, and array_map[1] keeps the last caller)
 *                  updates every map above except spin_lock_map and task_storage_map,
 *                  then tail-calls jump_table[1].
 *   tail_target    tp (no attach point): reached only through jump_table; bss tail_calls++.
 *   count_task     tp_btf/sys_enter: for target_tgid's syscalls increments the calling
 *                  task's task_storage_map value (created on first use); bss
 *                  task_storage_value mirrors the value of thread target_tid (0:
 *                  whichever thread ran last). Every thread of the process has its own
 *                  value, and a JVM's other threads make syscalls too, so a test names
 *                  the thread it counts.
 *   locked_add     tc (SCHED_CLS, run with BPF_PROG_TEST_RUN on any 14+ byte packet):
 *                  spin_lock_map[0].count += 1 under the lock; returns 0 (TC_ACT_OK).
 *                  (Tracing programs may not use bpf_spin_lock, hence tc.)
 *
 * A test: set target_tgid to its pid, load, set target_tid to the calling thread, attach
 * exercise_maps and count_task, call getpid() k times, then expect: hash_map[1] ==
 * array_map[0] == bss calls == k, array_map[1] == the thread,
 * tail_calls == k, per-CPU values summed == k, lru maps [tid] == k, k ring buffer records
 * 1..k, queue pops 1,2,.. (oldest first) and stack pops k,k-1,.. (newest first), bloom
 * lookup of 1000+1 found, inner_a[0] == k and inner_b[0] == 100 * k (through outer_array[1]
 * and outer_hash[3], which both point at inner_b: 2 * 50 * k), bpflux_pinned pinned and
 * == k, task_storage_value >= k; test-run locked_add n times and expect count == n.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "target_thread.h"

char LICENSE[] SEC("license") = "GPL";

__u64 calls = 0;
__u64 tail_calls = 0;
__u64 ringbuf_errors = 0;
__u64 perf_errors = 0;
__u64 task_storage_value = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} hash_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} array_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} percpu_hash_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} percpu_array_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 32);
	__type(key, __u32);
	__type(value, __u64);
} lru_hash_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 32);
	__type(key, __u32);
	__type(value, __u64);
} lru_percpu_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events_rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events_perf SEC(".maps");

int tail_target(void *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} jump_table SEC(".maps") = {
	.values = { [1] = (void *)&tail_target },
};

struct inner_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner_map);
} outer_array SEC(".maps") = {
	.values = { &inner_a, &inner_b },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner_map);
} outer_hash SEC(".maps") = {
	.values = { [3] = &inner_b },
};

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 16);
	__type(value, __u64);
} queue_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 16);
	__type(value, __u64);
} stack_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 64);
	__type(value, __u32);
	__uint(map_extra, 3);
} bloom_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} task_storage_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bpflux_pinned SEC(".maps");

struct locked_counter {
	struct bpf_spin_lock lock;
	__u64 count;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct locked_counter);
} spin_lock_map SEC(".maps");

static void add(void *map, __u32 key, __u64 delta)
{
	__u64 *v = bpf_map_lookup_elem(map, &key);

	if (v)
		__sync_fetch_and_add(v, delta);
}

static void bump_by_tid(void *map, __u32 tid)
{
	__u64 one = 1;
	__u64 *v = bpf_map_lookup_elem(map, &tid);

	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(map, &tid, &one, BPF_NOEXIST);
}

static void add_inner(void *outer, __u32 outer_key, __u64 delta)
{
	void *inner = bpf_map_lookup_elem(outer, &outer_key);

	if (inner)
		add(inner, 0, delta);
}

SEC("tp/syscalls/sys_enter_getpid")
int exercise_maps(void *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u32 key = 1;

	if (!from_target())
		return 0;

	__u64 n = __sync_fetch_and_add(&calls, 1) + 1;
	__u64 *h = bpf_map_lookup_elem(&hash_map, &key);
	if (h)
		__sync_fetch_and_add(h, 1);
	else
		bpf_map_update_elem(&hash_map, &key, &n, BPF_NOEXIST);

	add(&array_map, 0, 1);
	__u64 last_tid = tid;
	bpf_map_update_elem(&array_map, &key, &last_tid, BPF_ANY);

	__u32 zero = 0;
	__u64 *p = bpf_map_lookup_elem(&percpu_hash_map, &zero);
	if (p) {
		(*p)++;
	} else {
		__u64 one = 1;
		bpf_map_update_elem(&percpu_hash_map, &zero, &one, BPF_NOEXIST);
	}
	p = bpf_map_lookup_elem(&percpu_array_map, &zero);
	if (p)
		(*p)++;

	bump_by_tid(&lru_hash_map, tid);
	bump_by_tid(&lru_percpu_map, tid);

	if (bpf_ringbuf_output(&events_rb, &n, sizeof(n), 0))
		ringbuf_errors++;
	if (bpf_perf_event_output(ctx, &events_perf, BPF_F_CURRENT_CPU, &n, sizeof(n)))
		perf_errors++;

	add_inner(&outer_array, 0, 1);
	add_inner(&outer_array, 1, 50);
	add_inner(&outer_hash, 3, 50);

	bpf_map_push_elem(&queue_map, &n, BPF_EXIST);
	bpf_map_push_elem(&stack_map, &n, BPF_EXIST);
	__u32 bloom_value = 1000 + (__u32)n;
	bpf_map_push_elem(&bloom_map, &bloom_value, BPF_ANY);

	add(&bpflux_pinned, 0, 1);

	bpf_tail_call(ctx, &jump_table, 1);
	return 0; /* reached only when jump_table[1] is empty */
}

SEC("tp")
int tail_target(void *ctx)
{
	__sync_fetch_and_add(&tail_calls, 1);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(count_task, struct pt_regs *regs, long syscall_id)
{
	if ((bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;

	__u64 *v = bpf_task_storage_get(&task_storage_map, bpf_get_current_task_btf(), 0,
					 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (v) {
		__sync_fetch_and_add(v, 1);
		if (!target_tid || (__u32)bpf_get_current_pid_tgid() == target_tid)
			task_storage_value = *v;
	}
	return 0;
}

SEC("tc")
int locked_add(struct __sk_buff *skb)
{
	__u32 zero = 0;
	struct locked_counter *c = bpf_map_lookup_elem(&spin_lock_map, &zero);

	if (!c)
		return 0;
	bpf_spin_lock(&c->lock);
	c->count++;
	bpf_spin_unlock(&c->lock);
	return 0;
}
