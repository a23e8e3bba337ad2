package dev.bpflux.obj;

/**
 * An extern the object needs from the kernel: an undefined ELF symbol described by BTF as a VAR in the
 * {@code .kconfig} or {@code .ksyms} DATASEC, or as a FUNC with extern linkage (a kfunc).
 *
 * @param name      symbol name, e.g. {@code CONFIG_HZ}, {@code bpf_prog_active}, {@code bpf_cpumask_create}
 * @param kind      what it is
 * @param weak      declared {@code __weak} (ELF binding STB_WEAK): missing is not an error, it reads as 0
 * @param btfId     BTF id of the extern's own VAR or FUNC
 * @param typeId    BTF id of the VAR's type, or of the FUNC's FUNC_PROTO
 * @param section   the DATASEC it sits in ({@code .kconfig} or {@code .ksyms}); kfuncs not listed in a
 *                  DATASEC report {@code .ksyms}
 * @param offset    for KCONFIG: the byte offset in the .kconfig map, laid out as libbpf does (clang
 *                  leaves 0 in BTF; see {@link BpfObjectSpec#kconfigSize()}); for others the offset
 *                  in the DATASEC as clang wrote it; -1 for a kfunc not listed in a DATASEC
 * @param size      for KCONFIG the value's size; for others the DATASEC entry's size (0 when not listed)
 */
public record ExternSpec(String name, Kind kind, boolean weak, int btfId, int typeId, String section, int offset,
                         int size) {
    /** Extern kinds. */
    public enum Kind {
        /** {@code extern ... __kconfig}: a value from the kernel configuration or LINUX_KERNEL_VERSION etc. */
        KCONFIG,
        /** {@code extern const T x __ksym}: a typed kernel variable (BPF_PSEUDO_BTF_ID, Linux 5.10). */
        KSYM_VARIABLE,
        /** {@code extern const void x __ksym}: a kernel symbol's address from kallsyms. */
        KSYM_UNTYPED,
        /** {@code extern T f(...) __ksym}: a kernel function callable from BPF (Linux 5.13). */
        KFUNC
    }
}
