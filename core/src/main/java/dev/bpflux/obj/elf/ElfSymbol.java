package dev.bpflux.obj.elf;

/**
 * One {@code Elf64_Sym}.
 *
 * @param index        index in its symbol table
 * @param name         name from the linked string table ("" when unnamed)
 * @param value        {@code st_value}: offset within the section (relocatable) or virtual address
 * @param size         {@code st_size}
 * @param info         {@code st_info}: binding in the high nibble, type in the low nibble
 * @param other        {@code st_other}: visibility in the low two bits
 * @param sectionIndex {@code st_shndx}; {@link #SHN_UNDEF} for externs
 */
public record ElfSymbol(int index, String name, long value, long size, int info, int other, int sectionIndex) {
    public static final int STT_NOTYPE = 0;
    public static final int STT_OBJECT = 1;
    public static final int STT_FUNC = 2;
    public static final int STT_SECTION = 3;
    public static final int STT_FILE = 4;

    public static final int STB_LOCAL = 0;
    public static final int STB_GLOBAL = 1;
    public static final int STB_WEAK = 2;

    public static final int STV_DEFAULT = 0;
    public static final int STV_INTERNAL = 1;
    public static final int STV_HIDDEN = 2;
    public static final int STV_PROTECTED = 3;

    public static final int SHN_UNDEF = 0;
    public static final int SHN_ABS = 0xfff1;
    public static final int SHN_COMMON = 0xfff2;

    /** {@code ELF64_ST_TYPE}, e.g. {@link #STT_FUNC}. */
    public int type() {
        return info & 0xf;
    }

    /** {@code ELF64_ST_BIND}, e.g. {@link #STB_WEAK}. */
    public int binding() {
        return (info >> 4) & 0xf;
    }

    /** {@code ELF64_ST_VISIBILITY}, e.g. {@link #STV_HIDDEN}. */
    public int visibility() {
        return other & 0x3;
    }

    public boolean isUndefined() {
        return sectionIndex == SHN_UNDEF;
    }

    public boolean isWeak() {
        return binding() == STB_WEAK;
    }

    public boolean isGlobal() {
        return binding() == STB_GLOBAL;
    }
}
