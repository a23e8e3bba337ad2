/**
 * {@code BPF_MAP_TYPE_PERF_EVENT_ARRAY} as a {@code Flux}: one perf buffer per CPU
 * (perf_event_open of {@code PERF_COUNT_SW_BPF_OUTPUT}, its fd stored in the map at the CPU's
 * index), read in place and merged on one reader thread, with the kernel's
 * {@code PERF_RECORD_LOST} counts surfaced so that received + lost == produced. Prefer the ring
 * buffer ({@code dev.bpflux.reactor.ringbuf}, Linux 5.8) where the kernel has it; perf event
 * arrays work from Linux 4.4.
 */
package dev.bpflux.reactor.perf;
