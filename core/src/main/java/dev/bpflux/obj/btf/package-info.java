/**
 * BTF (BPF Type Format): a lazy reader for object, vmlinux and split module BTF ({@link
 * dev.bpflux.obj.btf.Btf}), decoded types ({@link dev.bpflux.obj.btf.BtfType}), a writer that
 * re-emits BTF with types replaced ({@link dev.bpflux.obj.btf.BtfWriter}), and the {@code .BTF.ext}
 * reader for func_info, line_info and CO-RE relocations ({@link dev.bpflux.obj.btf.BtfExt}).
 * Pure Java: no syscalls, no native code.
 */
package dev.bpflux.obj.btf;
