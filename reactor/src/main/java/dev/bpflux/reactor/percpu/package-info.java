/**
 * Per-CPU maps ({@code BPF_MAP_TYPE_PERCPU_ARRAY}, {@code PERCPU_HASH}, {@code LRU_PERCPU_HASH})
 * as a {@code Flux} of snapshots taken at an interval: each entry's value on every possible CPU,
 * their sum, and the change since the previous snapshot the subscriber received.
 */
package dev.bpflux.reactor.percpu;
