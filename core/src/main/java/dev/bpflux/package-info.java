/**
 * bpflux: load clang-built BPF objects from pure Java.
 *
 * <p>This package holds the exception hierarchy shared by every other package. Object parsing lives
 * in {@code dev.bpflux.obj} (no system calls), kernel access in {@code dev.bpflux.sys}.
 */
package dev.bpflux;
