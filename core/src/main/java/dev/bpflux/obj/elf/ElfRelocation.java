package dev.bpflux.obj.elf;

/**
 * One {@code Elf64_Rel} (or the REL part of an {@code Elf64_Rela}).
 *
 * @param offset      {@code r_offset}: byte offset within the section being relocated
 * @param symbolIndex {@code ELF64_R_SYM(r_info)}
 * @param type        {@code ELF64_R_TYPE(r_info)}, e.g. {@link #R_BPF_64_64}
 * @param addend      {@code r_addend} for RELA sections, 0 for REL
 */
public record ElfRelocation(long offset, int symbolIndex, int type, long addend) {
    // BPF relocation types (llvm/BinaryFormat/ELFRelocs/BPF.def).
    public static final int R_BPF_NONE = 0;
    /** ld_imm64 referencing a map, a global variable or a function pointer. */
    public static final int R_BPF_64_64 = 1;
    public static final int R_BPF_64_ABS64 = 2;
    public static final int R_BPF_64_ABS32 = 3;
    public static final int R_BPF_64_NODYLD32 = 4;
    /** call instruction: BPF-to-BPF call or kfunc call. */
    public static final int R_BPF_64_32 = 10;
}
