package dev.bpflux.obj.elf;

import dev.bpflux.BpfObjectException;
import dev.bpflux.obj.ExternalTool;
import dev.bpflux.obj.ObjectCorpus;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ELF reader checked against llvm-readelf-16's reading of the same files. */
class ElfFileTest {
    private static final Pattern SECTION = Pattern.compile(
            "^\\s*\\[\\s*(\\d+)\\] (\\S*)\\s+(\\S+)\\s+([0-9a-f]{16}) ([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+)\\s+(\\S*)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)$");
    private static final Pattern SYMBOL = Pattern.compile(
            "^\\s*(\\d+): ([0-9a-f]{16})\\s+(\\d+) (\\S+)\\s+(\\S+)\\s+(\\S+)\\s+(\\S+) ?(.*)$");
    private static final Pattern RELOC = Pattern.compile("^([0-9a-f]{16})\\s+([0-9a-f]{16}) (\\S+)\\s+([0-9a-f]{16}) ?(.*)$");
    private static final Map<String, Integer> SH_TYPES = Map.of("NULL", 0, "PROGBITS", 1, "SYMTAB", 2, "STRTAB", 3,
            "NOBITS", 8, "REL", 9, "LLVM_ADDRSIG", ElfSection.SHT_LLVM_ADDRSIG);

    @Test
    void sectionsMatchLlvmReadelf() {
        for (Path obj : ObjectCorpus.all()) {
            ElfFile elf = ElfFile.read(obj);
            List<String[]> rows = new ArrayList<>();
            for (String line : ExternalTool.lines(ExternalTool.run("llvm-readelf-16", "-S", "--wide", obj.toString()))) {
                Matcher m = SECTION.matcher(line);
                if (m.matches()) {
                    rows.add(new String[] {m.group(1), m.group(2), m.group(3), m.group(5), m.group(6), m.group(7),
                            m.group(8), m.group(9), m.group(10), m.group(11)});
                }
            }
            assertEquals(elf.sections().size(), rows.size(), obj.toString());
            for (String[] r : rows) {
                ElfSection s = elf.section(Integer.parseInt(r[0]));
                String where = obj + " [" + r[0] + "]";
                assertEquals(r[1], s.name(), where);
                assertEquals(SH_TYPES.get(r[2]), s.type(), where);
                assertEquals(Long.parseLong(r[3], 16), s.offset(), where);
                assertEquals(Long.parseLong(r[4], 16), s.size(), where);
                assertEquals(Long.parseLong(r[5], 16), s.entsize(), where);
                assertEquals(r[6].contains("W"), s.isWritable(), where);
                assertEquals(r[6].contains("A"), s.isAlloc(), where);
                assertEquals(r[6].contains("X"), s.isExecutable(), where);
                assertEquals(Integer.parseInt(r[7]), s.link(), where);
                assertEquals(Integer.parseInt(r[8]), s.info(), where);
                assertEquals(Long.parseLong(r[9]), s.addralign(), where);
                if (s.type() != ElfSection.SHT_NOBITS) {
                    assertEquals(s.size(), s.data().remaining(), where);
                }
            }
        }
    }

    @Test
    void symbolsMatchLlvmReadelf() {
        for (Path obj : ObjectCorpus.all()) {
            ElfFile elf = ElfFile.read(obj);
            int seen = 0;
            for (String line : ExternalTool.lines(ExternalTool.run("llvm-readelf-16", "-s", "--wide", obj.toString()))) {
                Matcher m = SYMBOL.matcher(line);
                if (!m.matches()) {
                    continue;
                }
                ElfSymbol s = elf.symbols().get(Integer.parseInt(m.group(1)));
                String where = obj + " symbol " + m.group(1);
                assertEquals(Long.parseUnsignedLong(m.group(2), 16), s.value(), where);
                assertEquals(Long.parseLong(m.group(3)), s.size(), where);
                assertEquals(List.of("NOTYPE", "OBJECT", "FUNC", "SECTION", "FILE").indexOf(m.group(4)), s.type(), where);
                assertEquals(List.of("LOCAL", "GLOBAL", "WEAK").indexOf(m.group(5)), s.binding(), where);
                assertEquals(List.of("DEFAULT", "INTERNAL", "HIDDEN", "PROTECTED").indexOf(m.group(6)), s.visibility(),
                        where);
                String ndx = m.group(7);
                int expectedNdx = ndx.equals("UND") ? ElfSymbol.SHN_UNDEF : ndx.equals("ABS") ? ElfSymbol.SHN_ABS
                        : Integer.parseInt(ndx);
                assertEquals(expectedNdx, s.sectionIndex(), where);
                if (s.type() != ElfSymbol.STT_SECTION) {
                    assertEquals(m.group(8), s.name(), where);
                }
                seen++;
            }
            assertEquals(elf.symbols().size(), seen, obj.toString());
        }
    }

    @Test
    void relocationsMatchLlvmReadelf() {
        for (Path obj : ObjectCorpus.all()) {
            ElfFile elf = ElfFile.read(obj);
            List<String> ours = new ArrayList<>();
            for (ElfSection s : elf.sections()) {
                if (s.type() != ElfSection.SHT_REL || s.name().startsWith(".rel.debug")) {
                    continue;
                }
                for (ElfRelocation r : elf.relocations(s)) {
                    ElfSymbol sym = elf.symbolsOf(s).get(r.symbolIndex());
                    String name = sym.type() == ElfSymbol.STT_SECTION ? elf.section(sym.sectionIndex()).name() : sym.name();
                    ours.add(String.format("%016x %08x%08x %s", r.offset(), r.symbolIndex(), r.type(), name));
                }
            }
            List<String> theirs = new ArrayList<>();
            boolean debug = false;
            for (String line : ExternalTool.lines(ExternalTool.run("llvm-readelf-16", "-r", "--wide", obj.toString()))) {
                if (line.startsWith("Relocation section")) {
                    debug = line.contains("'.rel.debug");
                }
                Matcher m = RELOC.matcher(line);
                if (m.matches() && !debug) {
                    theirs.add(m.group(1) + " " + m.group(2) + " " + m.group(5));
                }
            }
            assertEquals(theirs, ours, obj.toString());
            assertTrue(ours.size() > 0 || obj.toString().contains("sections"), obj.toString());
        }
    }

    @Test
    void sharedObjectSymbolsTranslateToFileOffsets() throws Exception {
        Path libc = Path.of("/lib/x86_64-linux-gnu/libc.so.6");
        if (!Files.exists(libc)) {
            libc = Path.of("/lib/aarch64-linux-gnu/libc.so.6");
        }
        ElfFile elf = ElfFile.read(libc);
        assertEquals(ElfFile.ET_DYN, elf.type());
        assertTrue(elf.programHeaders().stream().anyMatch(p -> p.isLoad() && p.isExecutable()));
        ElfSymbol malloc = elf.symbol("malloc").orElseThrow();
        assertEquals(ElfSymbol.STT_FUNC, malloc.type());
        long viaPhdr = elf.fileOffsetOf(malloc.value()).orElseThrow();
        // Independent path: the section holding the symbol maps addr -> offset too.
        ElfSection text = elf.section(malloc.sectionIndex());
        assertEquals(text.offset() + (malloc.value() - text.addr()), viaPhdr);
        byte[] file = Files.readAllBytes(libc);
        ByteBuffer sec = text.data();
        for (int i = 0; i < 16; i++) {
            assertEquals(sec.get((int) (malloc.value() - text.addr()) + i), file[(int) viaPhdr + i]);
        }
        // Program headers as llvm-readelf prints them.
        long loads = ExternalTool.lines(ExternalTool.run("llvm-readelf-16", "-l", "--wide", libc.toString())).stream()
                .filter(l -> l.trim().startsWith("LOAD")).count();
        assertEquals(loads, elf.programHeaders().stream().filter(ElfProgramHeader::isLoad).count());
        assertTrue(elf.fileOffsetOf(0xffff_ffff_0000L).isEmpty());
    }

    @Test
    void malformedHeadersAreExplained() throws Exception {
        byte[] good = Files.readAllBytes(ObjectCorpus.seed("ksym_prog_active_xdp.bpf.o"));
        assertTrue(msg(new byte[10]).contains("too short"));
        byte[] notElf = good.clone();
        notElf[1] = 'X';
        assertTrue(msg(notElf).contains("not an ELF file"));
        byte[] elf32 = good.clone();
        elf32[4] = 1;
        assertTrue(msg(elf32).contains("64-bit"));
        byte[] bigEndian = good.clone();
        bigEndian[5] = 2;
        assertTrue(msg(bigEndian).contains("little-endian"));
        byte[] farShoff = good.clone();
        farShoff[47] = 0x7f;
        assertTrue(msg(farShoff).contains("outside"));
        BpfObjectException e = assertThrows(BpfObjectException.class, () -> ElfFile.parse(notElf, "x.o"));
        assertEquals("x.o", e.file());
    }

    /** Found by ParserFuzzTest.objectSpec: an extended (SHN_XINDEX) name table index read as a negative int. */
    @Test
    void extendedSectionNameIndexIsUnsigned() throws Exception {
        byte[] elf = Files.readAllBytes(ObjectCorpus.seed("ksym_prog_active_xdp.bpf.o"));
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(62, (short) 0xffff); // e_shstrndx = SHN_XINDEX
        b.putInt((int) b.getLong(40) + 40, 0xc0000000); // section 0's sh_link: 3221225472
        assertTrue(msg(elf).contains("section name table index 3221225472 out of range"), msg(elf));
    }

    private static String msg(byte[] b) {
        return assertThrows(BpfObjectException.class, () -> ElfFile.parse(b, "t.o")).getMessage();
    }
}
