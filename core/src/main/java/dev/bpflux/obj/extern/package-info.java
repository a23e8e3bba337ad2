/**
 * Extern resolution: the values of {@code __kconfig} externs, the BTF ids of typed {@code __ksym}
 * variables and kfuncs, the addresses of untyped {@code __ksym}s, and the kprobe target of
 * {@code ksyscall} programs, as pure functions of the object ({@link dev.bpflux.obj.ExternSpec}, its BTF)
 * and the kernel's facts ({@link dev.bpflux.obj.extern.KernelFacts}), plus the parsers of the facts' text
 * (kernel config, kallsyms). No IO, no native calls: {@code dev.bpflux.kernel} reads the facts.
 */
package dev.bpflux.obj.extern;
