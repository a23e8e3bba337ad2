/**
 * A bounds-checked reader for ELF64 little-endian files: sections, symbols, string tables,
 * relocations and program headers. Used for clang-built BPF objects and for finding uprobe
 * offsets in executables and shared objects. Pure Java: no syscalls, no native code.
 */
package dev.bpflux.obj.elf;
