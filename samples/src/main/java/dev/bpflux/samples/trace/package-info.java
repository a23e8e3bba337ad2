/**
 * The syscall tracing sample: {@link dev.bpflux.samples.trace.TraceSyscalls} loads
 * {@code bpf/syscall_trace.bpf.o} (a resource of this module) when its stream is subscribed,
 * streams the syscall events its programs write into a ring buffer through bpflux-reactor, and
 * prints them live.
 */
package dev.bpflux.samples.trace;
