package dev.bpflux.obj.elf;

import dev.bpflux.BpfObjectException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A parsed ELF64 little-endian file: a clang-built BPF object ({@code ET_REL}, {@code EM_BPF}) or an
 * ordinary x86-64/aarch64 executable or shared object (for uprobe symbol lookup).
 *
 * <p>Every offset and count is checked against the file size before use; a malformed file raises
 * {@link BpfObjectException} naming the file, the section and the offset. The instance is immutable;
 * section data are read-only views of the file's bytes.
 */
public final class ElfFile {
    public static final int ET_REL = 1;
    public static final int ET_EXEC = 2;
    public static final int ET_DYN = 3;

    public static final int EM_X86_64 = 62;
    public static final int EM_AARCH64 = 183;
    public static final int EM_BPF = 247;

    private static final int EHDR_SIZE = 64;
    private static final int SHDR_SIZE = 64;
    private static final int PHDR_SIZE = 56;
    private static final int SYM_SIZE = 24;

    private final String name;
    private final ByteBuffer buf;
    private final int type;
    private final int machine;
    private final long entry;
    private final int flags;
    private final List<ElfSection> sections;
    private final List<ElfProgramHeader> programHeaders;
    private final List<ElfSymbol> symbols;
    private final List<ElfSymbol> dynamicSymbols;

    private ElfFile(String name, ByteBuffer buf) {
        this.name = name;
        this.buf = buf.slice().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer b = this.buf;
        long size = b.capacity();
        if (size < EHDR_SIZE) {
            throw error(null, 0, "file is " + size + " bytes, too short for an ELF header (64 bytes)");
        }
        if (b.getInt(0) != 0x464c457f) {
            throw error(null, 0, "not an ELF file (bad magic)");
        }
        if (b.get(4) != 2) {
            throw error(null, 4, "not a 64-bit ELF file (EI_CLASS=" + b.get(4) + "); BPF objects are ELF64");
        }
        if (b.get(5) != 1) {
            throw error(null, 5, "not a little-endian ELF file (EI_DATA=" + b.get(5)
                    + "); compile with -target bpf (or bpfel) on a little-endian host");
        }
        type = Short.toUnsignedInt(b.getShort(16));
        machine = Short.toUnsignedInt(b.getShort(18));
        entry = b.getLong(24);
        long phoff = b.getLong(32);
        long shoff = b.getLong(40);
        flags = b.getInt(48);
        int phentsize = Short.toUnsignedInt(b.getShort(54));
        int phnum = Short.toUnsignedInt(b.getShort(56));
        int shentsize = Short.toUnsignedInt(b.getShort(58));
        long shnum = Short.toUnsignedInt(b.getShort(60));
        long shstrndx = Short.toUnsignedInt(b.getShort(62));

        // Section headers.
        List<long[]> raw = new ArrayList<>();
        if (shoff != 0) {
            if (shentsize != SHDR_SIZE) {
                throw error(null, 58, "section header entry size " + shentsize + ", expected 64");
            }
            checkRange(null, 40, shoff, 0, "section header table");
            if (shnum == 0 && shoff + SHDR_SIZE <= size) {
                // Extended numbering: real count in sh_size of section 0.
                shnum = b.getLong((int) shoff + 32);
            }
            if (shstrndx == 0xffff && shoff + SHDR_SIZE <= size) {
                // SHN_XINDEX: the real index is section 0's sh_link, a u32
                shstrndx = Integer.toUnsignedLong(b.getInt((int) shoff + 40));
            }
            if (shnum < 0 || shnum > (size - shoff) / SHDR_SIZE) {
                throw error(null, shoff, shnum + " section headers do not fit in the file");
            }
            for (int i = 0; i < shnum; i++) {
                int o = (int) (shoff + (long) i * SHDR_SIZE);
                raw.add(new long[] {
                        Integer.toUnsignedLong(b.getInt(o)), Integer.toUnsignedLong(b.getInt(o + 4)),
                        b.getLong(o + 8), b.getLong(o + 16), b.getLong(o + 24), b.getLong(o + 32),
                        Integer.toUnsignedLong(b.getInt(o + 40)), Integer.toUnsignedLong(b.getInt(o + 44)),
                        b.getLong(o + 48), b.getLong(o + 56)});
            }
        }
        ByteBuffer shstr = null;
        if (!raw.isEmpty()) {
            if (shstrndx >= raw.size()) {
                throw error(null, 62, "section name table index " + shstrndx + " out of range (" + raw.size()
                        + " sections)");
            }
            long[] s = raw.get((int) shstrndx);
            shstr = sectionBytes("section #" + shstrndx, s);
        }
        List<ElfSection> secs = new ArrayList<>(raw.size());
        for (int i = 0; i < raw.size(); i++) {
            long[] s = raw.get(i);
            String secName = i == 0 ? "" : cString(shstr, s[0], "section #" + i + " name");
            String label = secName.isEmpty() ? "section #" + i : secName;
            ByteBuffer data = sectionBytes(label, s);
            long link = s[6];
            long info = s[7];
            secs.add(new ElfSection(i, secName, (int) s[1], s[2], s[3], s[4], s[5], (int) link, (int) info,
                    s[8], s[9], data.asReadOnlyBuffer()));
        }
        sections = Collections.unmodifiableList(secs);

        // Program headers (executables and shared objects only).
        List<ElfProgramHeader> phdrs = new ArrayList<>();
        if (phoff != 0 && phnum != 0) {
            if (phentsize != PHDR_SIZE) {
                throw error(null, 54, "program header entry size " + phentsize + ", expected 56");
            }
            checkRange(null, 32, phoff, (long) phnum * PHDR_SIZE, "program header table");
            for (int i = 0; i < phnum; i++) {
                int o = (int) (phoff + (long) i * PHDR_SIZE);
                phdrs.add(new ElfProgramHeader(b.getInt(o), b.getInt(o + 4), b.getLong(o + 8), b.getLong(o + 16),
                        b.getLong(o + 24), b.getLong(o + 32), b.getLong(o + 40), b.getLong(o + 48)));
            }
        }
        programHeaders = Collections.unmodifiableList(phdrs);
        symbols = readSymbols(ElfSection.SHT_SYMTAB);
        dynamicSymbols = readSymbols(ElfSection.SHT_DYNSYM);
    }

    /**
     * Reads and parses the file at {@code path}, a regular file (executables and libraries for uprobes may be
     * large: the cap is what one Java array holds).
     */
    public static ElfFile read(Path path) {
        return read(path, Integer.MAX_VALUE - 8, "ELF file");
    }

    /**
     * Reads and parses the file at {@code path}, which must be a regular file of at most {@code maxBytes};
     * {@code what} names what it should be in errors. See {@link RegularFileReader}.
     */
    public static ElfFile read(Path path, long maxBytes, String what) {
        return new ElfFile(path.toString(), ByteBuffer.wrap(RegularFileReader.read(path, maxBytes, what)));
    }

    /** Parses {@code bytes}; {@code name} is used in error messages (may be null). */
    public static ElfFile parse(byte[] bytes, String name) {
        return new ElfFile(name, ByteBuffer.wrap(bytes));
    }

    /** Parses the remaining bytes of {@code buffer} (not copied; do not modify them afterwards). */
    public static ElfFile parse(ByteBuffer buffer, String name) {
        return new ElfFile(name, buffer);
    }

    /** The name given when parsing (file path), or {@code null}. */
    public String name() {
        return name;
    }

    /** {@code e_type}: {@link #ET_REL}, {@link #ET_EXEC}, {@link #ET_DYN}. */
    public int type() {
        return type;
    }

    /** {@code e_machine}: {@link #EM_BPF}, {@link #EM_X86_64}, {@link #EM_AARCH64}. */
    public int machine() {
        return machine;
    }

    public long entry() {
        return entry;
    }

    public int flags() {
        return flags;
    }

    /** All sections by index (index 0 is the null section). */
    public List<ElfSection> sections() {
        return sections;
    }

    /** Section by header index. */
    public ElfSection section(int index) {
        if (index < 0 || index >= sections.size()) {
            throw error(null, -1, "section index " + index + " out of range (" + sections.size() + " sections)");
        }
        return sections.get(index);
    }

    /** The first section with this name. */
    public Optional<ElfSection> section(String sectionName) {
        for (ElfSection s : sections) {
            if (s.name().equals(sectionName)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    public List<ElfProgramHeader> programHeaders() {
        return programHeaders;
    }

    /** Symbols of {@code .symtab} (index 0 is the null symbol), empty when stripped. */
    public List<ElfSymbol> symbols() {
        return symbols;
    }

    /** Symbols of {@code .dynsym}, empty when absent. */
    public List<ElfSymbol> dynamicSymbols() {
        return dynamicSymbols;
    }

    /** The first defined symbol named {@code symbolName} in .symtab, then .dynsym. */
    public Optional<ElfSymbol> symbol(String symbolName) {
        for (List<ElfSymbol> table : List.of(symbols, dynamicSymbols)) {
            for (ElfSymbol s : table) {
                if (!s.isUndefined() && s.name().equals(symbolName)) {
                    return Optional.of(s);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Translates a virtual address (a symbol's {@code st_value} in an executable or shared object) to
     * its file offset through the PT_LOAD program header that maps it: {@code vaddr - p_vaddr + p_offset}.
     * Without program headers (relocatable objects) the section headers are used instead.
     */
    public OptionalLong fileOffsetOf(long vaddr) {
        for (ElfProgramHeader p : programHeaders) {
            if (p.isLoad() && Long.compareUnsigned(vaddr, p.vaddr()) >= 0
                    && Long.compareUnsigned(vaddr - p.vaddr(), p.filesz()) < 0) {
                return OptionalLong.of(vaddr - p.vaddr() + p.offset());
            }
        }
        if (programHeaders.isEmpty()) {
            for (ElfSection s : sections) {
                if (s.isAlloc() && s.type() != ElfSection.SHT_NOBITS && Long.compareUnsigned(vaddr, s.addr()) >= 0
                        && Long.compareUnsigned(vaddr - s.addr(), s.size()) < 0) {
                    return OptionalLong.of(vaddr - s.addr() + s.offset());
                }
            }
        }
        return OptionalLong.empty();
    }

    /** The symbol table linked from a REL/RELA section ({@code sh_link}). */
    public List<ElfSymbol> symbolsOf(ElfSection relSection) {
        ElfSection st = section(relSection.link());
        if (st.type() == ElfSection.SHT_DYNSYM) {
            return dynamicSymbols;
        }
        if (st.type() != ElfSection.SHT_SYMTAB) {
            throw error(relSection.name(), -1, "sh_link " + relSection.link() + " is not a symbol table");
        }
        return symbols;
    }

    /** Relocation entries of a {@link ElfSection#SHT_REL} or {@link ElfSection#SHT_RELA} section. */
    public List<ElfRelocation> relocations(ElfSection relSection) {
        boolean rela = relSection.type() == ElfSection.SHT_RELA;
        if (!rela && relSection.type() != ElfSection.SHT_REL) {
            throw error(relSection.name(), -1, "not a relocation section (sh_type " + relSection.type() + ")");
        }
        int entSize = rela ? 24 : 16;
        ByteBuffer d = relSection.data();
        if (d.remaining() % entSize != 0) {
            throw error(relSection.name(), 0, "size " + d.remaining() + " is not a multiple of " + entSize);
        }
        int n = d.remaining() / entSize;
        List<ElfRelocation> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int o = i * entSize;
            long rInfo = d.getLong(o + 8);
            out.add(new ElfRelocation(d.getLong(o), (int) (rInfo >>> 32), (int) rInfo, rela ? d.getLong(o + 16) : 0));
        }
        return Collections.unmodifiableList(out);
    }

    /** A NUL-terminated string at {@code offset} in the string table section {@code strtabIndex}. */
    public String string(int strtabIndex, long offset) {
        ElfSection s = section(strtabIndex);
        return cString(s.data(), offset, s.name());
    }

    private List<ElfSymbol> readSymbols(int shType) {
        for (ElfSection s : sections) {
            if (s.type() != shType) {
                continue;
            }
            if (s.entsize() != SYM_SIZE && s.entsize() != 0) {
                throw error(s.name(), -1, "symbol entry size " + s.entsize() + ", expected 24");
            }
            if (s.link() <= 0 || s.link() >= sections.size()) {
                throw error(s.name(), -1, "string table index " + s.link() + " out of range");
            }
            ByteBuffer strtab = sections.get(s.link()).data();
            ByteBuffer d = s.data();
            int n = d.remaining() / SYM_SIZE;
            List<ElfSymbol> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int o = i * SYM_SIZE;
                long nameOff = Integer.toUnsignedLong(d.getInt(o));
                String symName = nameOff == 0 ? "" : cString(strtab, nameOff, s.name() + " symbol #" + i);
                out.add(new ElfSymbol(i, symName, d.getLong(o + 8), d.getLong(o + 16), d.get(o + 4) & 0xff,
                        d.get(o + 5) & 0xff, Short.toUnsignedInt(d.getShort(o + 6))));
            }
            return Collections.unmodifiableList(out);
        }
        return List.of();
    }

    private ByteBuffer sectionBytes(String label, long[] s) {
        int shType = (int) s[1];
        long off = s[4];
        long len = s[5];
        if (shType == ElfSection.SHT_NOBITS || shType == ElfSection.SHT_NULL) {
            return ByteBuffer.allocate(0);
        }
        checkRange(label, -1, off, len, "section data");
        return buf.slice((int) off, (int) len);
    }

    private void checkRange(String section, long at, long off, long len, String what) {
        long size = buf.capacity();
        if (off < 0 || len < 0 || off > size || len > size - off) {
            throw error(section, at, what + " [0x" + Long.toHexString(off) + ", +" + len + ") lies outside the "
                    + size + "-byte file");
        }
    }

    private String cString(ByteBuffer table, long offset, String what) {
        if (table == null) {
            throw error(null, -1, what + ": no string table");
        }
        int lim = table.limit();
        if (offset < 0 || offset >= lim) {
            throw error(what, offset, "string offset " + offset + " outside string table of " + lim + " bytes");
        }
        int start = (int) offset;
        int end = start;
        while (end < lim && table.get(end) != 0) {
            end++;
        }
        if (end == lim) {
            throw error(what, offset, "string at offset " + offset + " is not NUL-terminated");
        }
        byte[] bytes = new byte[end - start];
        table.get(start, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private BpfObjectException error(String section, long offset, String problem) {
        return new BpfObjectException(name, section, offset, problem);
    }
}
