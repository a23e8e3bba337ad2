/**
 * Live BPF maps: create one from a {@link dev.bpflux.map.MapDefinition}, open a pinned one or one
 * by id, and read and write elements as raw bytes ({@link dev.bpflux.map.MapCodec} for typed
 * access, {@link dev.bpflux.map.PerCpuValues} for per-CPU maps), singly, by key walk or in
 * batches with a per-element fallback for kernels before 5.6.
 */
package dev.bpflux.map;
