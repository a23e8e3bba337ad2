package dev.bpflux.obj.extern;

/**
 * How one extern resolved against the running kernel. What the loader does with each:
 *
 * <ul>
 * <li>{@link KconfigValue}: copy {@link KconfigValue#bytes()} to the extern's offset in the
 * {@code .kconfig} map value ({@link ExternResolver#kconfigSection} does it for all of them).</li>
 * <li>{@link KsymVariable}: every {@code ld_imm64} referencing the extern becomes
 * {@code src_reg = BPF_PSEUDO_BTF_ID (3)}, {@code insn[0].imm = btfId},
 * {@code insn[1].imm = fd of the module's BTF object} (0 for vmlinux). The kernel then finds the
 * address through kallsyms, so typed variables need CONFIG_KALLSYMS_ALL
 * ({@link ExternResolver#explainLoadFailure}).</li>
 * <li>{@link KsymAddress}: {@code ld_imm64} gets the address: {@code insn[0].imm = (int) address},
 * {@code insn[1].imm = (int) (address >>> 32)}, src_reg stays 0.</li>
 * <li>{@link Kfunc}: a call instruction gets {@code src_reg = BPF_PSEUDO_KFUNC_CALL (2)},
 * {@code imm = btfId}, {@code off = index of the module's BTF fd in fd_array} (0 for vmlinux; the
 * index must be &gt; 0, slot 0 of fd_array is unused for this reason). An {@code ld_imm64} taking the
 * kfunc's address ({@code bpf_ksym_exists(kfunc)}) gets BPF_PSEUDO_BTF_ID with {@code imm = btfId}
 * and {@code insn[1].imm = module BTF fd} like a typed variable.</li>
 * <li>{@link WeakMissing}: a weak extern the kernel lacks. Variables (typed or untyped) read as 0:
 * {@code ld_imm64} gets address 0 with src_reg 0 (so {@code bpf_ksym_exists()} is false and the
 * verifier prunes the guarded branch). A weak kfunc's call instruction is poisoned the way libbpf
 * 1.2+ does it ({@code poison_kfunc_call}): {@code code = BPF_JMP|BPF_CALL (0x85)}, {@code dst = src =
 * off = 0}, {@code imm = 2002000000 + extern index} ({@link #POISON_KFUNC_CALL_BASE}), a call to a
 * helper that does not exist: the verifier rejects it ("invalid func unknown#2002000123") only when
 * reachable. (libbpf 1.1 instead left {@code src_reg = BPF_PSEUDO_KFUNC_CALL} with {@code imm = 0,
 * off = 0}, which kernels since 5.18 tolerate in dead code; the helper-call poison works on every
 * kernel.) {@link WeakMissing} never reaches the kconfig map: its bytes are zero.</li>
 * <li>{@link Unresolved}: load must fail before BPF_PROG_LOAD with {@link Unresolved#message()}.</li>
 * </ul>
 */
public sealed interface ExternResolution {
    /** Base of the poisoned weak-kfunc call immediate (libbpf's POISON_CALL_KFUNC_BASE). */
    int POISON_KFUNC_CALL_BASE = 2002000000;

    /** The value of a {@code __kconfig} extern, little-endian, exactly the extern's size. */
    record KconfigValue(byte[] bytes) implements ExternResolution {
        public KconfigValue {
            bytes = bytes.clone();
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof KconfigValue && java.util.Arrays.equals(((KconfigValue) o).bytes, bytes);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "KconfigValue" + java.util.HexFormat.ofDelimiter(" ").formatHex(bytes);
        }
    }

    /**
     * A typed {@code __ksym} variable (Linux 5.10): its VAR in kernel BTF.
     *
     * @param btfId           the VAR's id in vmlinux or module BTF
     * @param moduleBtfObjId  the module's kernel BTF object id (0 for vmlinux or when unknown)
     * @param moduleName      the module, null for vmlinux
     */
    record KsymVariable(int btfId, int moduleBtfObjId, String moduleName) implements ExternResolution {
    }

    /** An untyped {@code __ksym} ({@code extern const void x __ksym}): its address from kallsyms. */
    record KsymAddress(long address) implements ExternResolution {
        @Override
        public String toString() {
            return "KsymAddress[0x" + Long.toHexString(address) + "]";
        }
    }

    /**
     * A kfunc (Linux 5.13; module kfuncs 5.18): its FUNC in kernel BTF.
     *
     * @param btfId           the FUNC's id in vmlinux or module BTF
     * @param moduleBtfObjId  the module's kernel BTF object id (0 for vmlinux); the loader opens it
     *                        (BPF_BTF_GET_FD_BY_ID) and puts the fd in {@code fd_array}
     * @param moduleName      the module, null for vmlinux
     */
    record Kfunc(int btfId, int moduleBtfObjId, String moduleName) implements ExternResolution {
    }

    /** A {@code __weak} extern the kernel does not have: zero / poisoned call (see the type's docs). */
    record WeakMissing(String reason) implements ExternResolution {
    }

    /** A non-weak extern that cannot be resolved: the load fails with {@link #message()}. */
    record Unresolved(String message) implements ExternResolution {
    }
}
