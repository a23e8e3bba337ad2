package dev.bpflux.load;

/**
 * What an extern resolved to, and so how the loader patches the instructions that reference it.
 */
public sealed interface ExternValue {

    /**
     * A {@code __kconfig} value: {@code bytes} (the extern's size, little-endian) are written into the
     * object's {@code .kconfig} map at the extern's offset; references load its address
     * ({@code BPF_PSEUDO_MAP_VALUE}).
     */
    record KconfigValue(byte[] bytes, String display) implements ExternValue {
        public KconfigValue {
            bytes = bytes.clone();
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }
    }

    /**
     * A typed kernel variable: {@code ld_imm64} with src {@code BPF_PSEUDO_BTF_ID} (Linux 5.10), imm the
     * variable's BTF id in vmlinux ({@code moduleBtfObjectId} 0) or in a module's BTF.
     */
    record KernelVariable(int btfId, int moduleBtfObjectId) implements ExternValue {
    }

    /** An untyped kernel symbol: {@code ld_imm64} of its address from kallsyms. */
    record KernelAddress(long address) implements ExternValue {
    }

    /**
     * A kfunc: {@code call} with src {@code BPF_PSEUDO_KFUNC_CALL} (Linux 5.13), imm its BTF id, off the
     * index of its module's BTF fd in the program's fd_array (0 for vmlinux).
     */
    record KernelFunction(int btfId, int moduleBtfObjectId) implements ExternValue {
    }

    /** A {@code __weak} extern the kernel lacks: it reads as 0, and calls to a missing kfunc are poisoned. */
    record WeakMissing(String reason) implements ExternValue {
    }

    /** Not found; {@code message} says what was searched. Loading a program that references it fails. */
    record Unresolved(String message) implements ExternValue {
    }
}
