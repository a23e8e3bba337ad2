/**
 * The syscall stream of {@code bpflux-samples} served to browsers as server-sent events by Spring
 * WebFlux: {@link dev.bpflux.samples.spring.SharedSyscallStream} shares one kernel-side stream (one
 * loaded BPF object) between every HTTP client, {@link dev.bpflux.samples.spring.SyscallSseController}
 * filters it per client behind a bounded per-client buffer, so a slow client loses its own events
 * and stalls neither the kernel stream nor the other clients.
 */
package dev.bpflux.samples.spring;
