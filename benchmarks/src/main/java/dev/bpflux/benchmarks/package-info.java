/**
 * Benchmarks: JMH benchmarks (run from the shaded {@code benchmarks/target/benchmarks.jar}) and
 * whole-run harnesses that time bpflux against a libbpf C baseline on the same BPF object in the
 * same run ({@code benchmarks/ringbuf}, {@link dev.bpflux.benchmarks.ObjectLoadTiming},
 * {@link dev.bpflux.benchmarks.ExternResolutionComparison}). Figures and the commands that produced
 * them are in {@code docs/performance.md}.
 */
package dev.bpflux.benchmarks;
