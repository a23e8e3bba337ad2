package dev.bpflux.obj.elf;

/**
 * One {@code Elf64_Phdr}: how a range of the file is mapped into memory. Used to translate a
 * symbol's virtual address into the file offset a uprobe needs.
 */
public record ElfProgramHeader(int type, int flags, long offset, long vaddr, long paddr, long filesz, long memsz,
                               long align) {
    public static final int PT_NULL = 0;
    public static final int PT_LOAD = 1;
    public static final int PT_DYNAMIC = 2;
    public static final int PT_INTERP = 3;
    public static final int PT_NOTE = 4;

    public static final int PF_X = 0x1;
    public static final int PF_W = 0x2;
    public static final int PF_R = 0x4;

    public boolean isLoad() {
        return type == PT_LOAD;
    }

    public boolean isExecutable() {
        return (flags & PF_X) != 0;
    }
}
