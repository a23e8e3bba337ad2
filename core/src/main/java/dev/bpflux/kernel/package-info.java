/**
 * Facts about the running kernel, read once and cached: its release and version code (with the
 * Debian and Ubuntu corrections), the possible CPUs that lay out per-CPU values, where tracefs
 * is, and which BPF features it supports ({@link dev.bpflux.kernel.FeatureProbes}, probed by
 * trying them as {@code bpftool feature probe} does).
 *
 * <p>The facts extern resolution and CO-RE need ({@link dev.bpflux.kernel.RunningKernelFacts}): vmlinux
 * and module BTF ({@link dev.bpflux.kernel.KernelBtfs}), the kernel config
 * ({@link dev.bpflux.kernel.KernelConfigSource}), symbol addresses ({@link dev.bpflux.kernel.KallsymsReader}),
 * syscall wrappers ({@link dev.bpflux.kernel.SyscallWrapper}) and {@code bpf_get_attach_cookie}
 * support ({@link dev.bpflux.kernel.BpfCookieSupport}), each read only when an extern needs it.
 */
package dev.bpflux.kernel;
