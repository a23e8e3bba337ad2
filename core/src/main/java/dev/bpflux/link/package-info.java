/**
 * Attaching programs: one class per attach type (tracepoint, raw tracepoint, tracing/LSM,
 * kprobe, uprobe, perf event, XDP, tcx, cgroup), each returning an AutoCloseable
 * {@link dev.bpflux.link.BpfLink} that detaches exactly once on close and, where the kernel has
 * BPF links, can be pinned. {@link dev.bpflux.link.ProgAttachment} covers legacy BPF_PROG_ATTACH.
 */
package dev.bpflux.link;
