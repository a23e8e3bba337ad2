/**
 * The one door to the kernel: every system call bpflux makes goes through this package, the only
 * one that imports JNA.
 *
 * <p>{@link dev.bpflux.sys.SystemCalls} is the raw seam (JNA direct mapping; a unit test can fake
 * it), {@link dev.bpflux.sys.Bpf} runs one typed {@link dev.bpflux.sys.BpfAttr} per bpf(2) command
 * and maps errnos to the exception hierarchy, {@link dev.bpflux.sys.OwnedFd} and
 * {@link dev.bpflux.sys.MappedMemory} own descriptors and mappings and release them exactly once.
 */
package dev.bpflux.sys;
