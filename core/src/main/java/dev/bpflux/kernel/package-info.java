/**
 * Facts about the running kernel, read once and cached: its release and version code (with the
 * Debian and Ubuntu corrections), the possible CPUs that lay out per-CPU values, where tracefs
 * is, and which BPF features it supports ({@link dev.bpflux.kernel.FeatureProbes}, probed by
 * trying them as {@code bpftool feature probe} does).
 */
package dev.bpflux.kernel;
