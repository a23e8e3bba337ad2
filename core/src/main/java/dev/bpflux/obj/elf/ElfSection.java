package dev.bpflux.obj.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One entry of the ELF section header table ({@code Elf64_Shdr}) with its bytes.
 *
 * @param index     section header index
 * @param name      name from the section header string table
 * @param type      {@code sh_type}, e.g. {@link #SHT_PROGBITS}
 * @param flags     {@code sh_flags}, e.g. {@link #SHF_EXECINSTR}
 * @param addr      {@code sh_addr}
 * @param offset    {@code sh_offset}: file offset of the data
 * @param size      {@code sh_size}
 * @param link      {@code sh_link}: for REL the symbol table, for SYMTAB the string table
 * @param info      {@code sh_info}: for REL the section the relocations apply to
 * @param addralign {@code sh_addralign}
 * @param entsize   {@code sh_entsize}
 */
public record ElfSection(int index, String name, int type, long flags, long addr, long offset, long size,
                         int link, int info, long addralign, long entsize, ByteBuffer rawData) {
    public static final int SHT_NULL = 0;
    public static final int SHT_PROGBITS = 1;
    public static final int SHT_SYMTAB = 2;
    public static final int SHT_STRTAB = 3;
    public static final int SHT_RELA = 4;
    public static final int SHT_HASH = 5;
    public static final int SHT_DYNAMIC = 6;
    public static final int SHT_NOTE = 7;
    public static final int SHT_NOBITS = 8;
    public static final int SHT_REL = 9;
    public static final int SHT_DYNSYM = 11;
    /** LLVM's address-significance table; harmless, ignored. */
    public static final int SHT_LLVM_ADDRSIG = 0x6fff4c03;

    public static final long SHF_WRITE = 0x1;
    public static final long SHF_ALLOC = 0x2;
    public static final long SHF_EXECINSTR = 0x4;

    /**
     * The section's bytes as a read-only little-endian buffer positioned at 0. Empty for
     * {@link #SHT_NOBITS} sections ({@code .bss}), whose {@link #size()} still says how big they are.
     */
    public ByteBuffer data() {
        return rawData.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A copy of the section's bytes (empty for NOBITS). */
    public byte[] bytes() {
        ByteBuffer b = data();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    public boolean isExecutable() {
        return (flags & SHF_EXECINSTR) != 0;
    }

    public boolean isWritable() {
        return (flags & SHF_WRITE) != 0;
    }

    public boolean isAlloc() {
        return (flags & SHF_ALLOC) != 0;
    }

    @Override
    public String toString() {
        return "ElfSection[" + index + " " + name + " type=" + type + " size=" + size + "]";
    }
}
