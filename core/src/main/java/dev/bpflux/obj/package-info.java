/**
 * The BPF object model: {@link dev.bpflux.obj.BpfObjectSpec} and its immutable parts
 * ({@link dev.bpflux.obj.ProgramSpec}, {@link dev.bpflux.obj.FunctionSpec},
 * {@link dev.bpflux.obj.MapSpec}, {@link dev.bpflux.obj.DataSectionSpec},
 * {@link dev.bpflux.obj.ExternSpec}, {@link dev.bpflux.obj.Relocation}), parsed from a clang-built
 * ELF object without touching the kernel. Kernel enums ({@link dev.bpflux.obj.ProgramType},
 * {@link dev.bpflux.obj.AttachType}, {@link dev.bpflux.obj.MapType}) carry the kernel's values.
 * Pure Java: no syscalls, no JNA; the loader turns a spec into live kernel objects.
 */
package dev.bpflux.obj;
