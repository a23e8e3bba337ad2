package dev.bpflux.obj.btf;

import dev.bpflux.BpfObjectException;
import dev.bpflux.obj.ObjectCorpus;
import dev.bpflux.obj.elf.ElfFile;
import dev.bpflux.obj.elf.ElfSection;
import dev.bpflux.obj.elf.ElfSymbol;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BtfExtTest {

    static BtfExt ext(Path obj) {
        ElfFile elf = ElfFile.read(obj);
        Btf btf = Btf.parse(elf.section(".BTF").orElseThrow().data(), obj.toString());
        return BtfExt.parse(elf.section(".BTF.ext").orElseThrow().data(), btf, obj.toString());
    }

    @Test
    void funcInfoNamesEveryFunctionSymbolAtItsOffset() {
        for (Path obj : ObjectCorpus.all()) {
            ElfFile elf = ElfFile.read(obj);
            Btf btf = Btf.parse(elf.section(".BTF").orElseThrow().data(), obj.toString());
            BtfExt ext = BtfExt.parse(elf.section(".BTF.ext").orElseThrow().data(), btf, obj.toString());
            int funcs = 0;
            for (ElfSymbol sym : elf.symbols()) {
                if (sym.type() != ElfSymbol.STT_FUNC) {
                    continue;
                }
                String sec = elf.section(sym.sectionIndex()).name();
                List<BtfExt.FuncInfo> fis = ext.funcInfos(sec);
                BtfExt.FuncInfo fi = fis.stream().filter(f -> f.insnIndex() == sym.value() / 8).findFirst()
                        .orElseThrow(() -> new AssertionError(obj + ": no func_info for " + sym.name()));
                assertEquals(sym.name(), btf.type(fi.typeId(), BtfType.Func.class).name());
                funcs++;
            }
            int total = ext.funcInfos().values().stream().mapToInt(List::size).sum();
            assertEquals(funcs, total, obj.toString());
            assertEquals(BtfExt.FUNC_INFO_SIZE, ext.funcInfoRecordSize());
            assertEquals(BtfExt.LINE_INFO_SIZE, ext.lineInfoRecordSize());
        }
    }

    @Test
    void lineInfoQuotesTheSourceLines() throws Exception {
        for (Path obj : ObjectCorpus.all()) {
            String source = obj.getFileName().toString().replace(".bpf.o", ".bpf.c");
            List<String> lines = Files.readAllLines(obj.resolveSibling(source));
            int checked = 0;
            for (List<BtfExt.LineInfo> list : ext(obj).lineInfos().values()) {
                for (BtfExt.LineInfo li : list) {
                    if (!li.fileName().endsWith(source) || li.lineNumber() == 0) {
                        continue; // inlined from a header, or compiler-generated (line 0)
                    }
                    assertEquals(lines.get(li.lineNumber() - 1).trim(), li.line().trim(), obj + ":" + li.lineNumber());
                    assertTrue(li.column() >= 0);
                    checked++;
                }
            }
            assertTrue(checked > 0, obj.toString());
        }
    }

    @Test
    void coreRelocationsCoverEveryKindTheSourceAsksFor() {
        Path obj = ObjectCorpus.obj("core_relos.bpf.o");
        ElfFile elf = ElfFile.read(obj);
        Btf btf = Btf.parse(elf.section(".BTF").orElseThrow().data(), obj.toString());
        BtfExt ext = BtfExt.parse(elf.section(".BTF.ext").orElseThrow().data(), btf, obj.toString());
        Set<CoreReloKind> kinds = EnumSet.noneOf(CoreReloKind.class);
        for (Map.Entry<String, List<BtfExt.CoreRelocation>> e : ext.coreRelocations().entrySet()) {
            long insns = elf.section(e.getKey()).orElseThrow().size() / 8;
            for (BtfExt.CoreRelocation r : e.getValue()) {
                kinds.add(r.kind());
                assertTrue(r.insnIndex() < insns);
                assertTrue(btf.hasType(r.typeId()) && r.typeId() > 0);
                assertTrue(r.accessString().matches("\\d+(:\\d+)*"), r.accessString());
                assertEquals(r.accessString(), btf.string(r.accessStrOff()));
            }
        }
        assertEquals(EnumSet.allOf(CoreReloKind.class), kinds);
    }

    @Test
    void largerRecordsThanKnownAreSkippedOver() {
        Path obj = ObjectCorpus.obj("core_relos.bpf.o");
        ElfFile elf = ElfFile.read(obj);
        Btf btf = Btf.parse(elf.section(".BTF").orElseThrow().data(), obj.toString());
        ElfSection sec = elf.section(".BTF.ext").orElseThrow();
        BtfExt original = BtfExt.parse(sec.data(), btf, "x");
        byte[] padded = pad(sec.data(), 8);
        BtfExt wide = BtfExt.parse(padded, btf, "x");
        assertEquals(original.funcInfos(), wide.funcInfos());
        assertEquals(original.lineInfos(), wide.lineInfos());
        assertEquals(original.coreRelocations(), wide.coreRelocations());
        assertEquals(BtfExt.FUNC_INFO_SIZE + 8, wide.funcInfoRecordSize());
        assertEquals(BtfExt.CORE_RELO_SIZE + 8, wide.coreRelocationRecordSize());
    }

    @Test
    void malformedBlocksAreErrors() {
        Path obj = ObjectCorpus.obj("subprogs.bpf.o");
        ElfFile elf = ElfFile.read(obj);
        Btf btf = Btf.parse(elf.section(".BTF").orElseThrow().data(), obj.toString());
        byte[] raw = elf.section(".BTF.ext").orElseThrow().bytes();
        int hdr = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getInt(4);
        int funcOff = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
        byte[] smallRec = raw.clone();
        smallRec[hdr + funcOff] = 4; // func_info rec_size 4 < 8
        assertTrue(assertThrows(BpfObjectException.class, () -> BtfExt.parse(smallRec, btf, "x")).getMessage()
                .contains("record size"));
        byte[] hugeCount = raw.clone();
        ByteBuffer.wrap(hugeCount).order(ByteOrder.LITTLE_ENDIAN).putInt(hdr + funcOff + 8, 0x7fffffff);
        assertThrows(BpfObjectException.class, () -> BtfExt.parse(hugeCount, btf, "x"));
    }

    /** Re-encodes a .BTF.ext with every record {@code extra} bytes longer (zero padding). */
    private static byte[] pad(ByteBuffer in, int extra) {
        ByteBuffer d = in.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int hdrLen = d.getInt(4);
        ByteBuffer out = ByteBuffer.allocate(d.capacity() * 4).order(ByteOrder.LITTLE_ENDIAN);
        out.position(hdrLen);
        int[] fields = hdrLen >= 32 ? new int[] {8, 16, 24} : new int[] {8, 16};
        int[][] placed = new int[fields.length][];
        for (int f = 0; f < fields.length; f++) {
            int off = d.getInt(fields[f]);
            int len = d.getInt(fields[f] + 4);
            int start = out.position();
            if (len > 0) {
                int p = hdrLen + off;
                int end = p + len;
                int rec = d.getInt(p);
                out.putInt(rec + extra);
                p += 4;
                while (p < end) {
                    int secOff = d.getInt(p);
                    int n = d.getInt(p + 4);
                    out.putInt(secOff).putInt(n);
                    p += 8;
                    for (int i = 0; i < n; i++, p += rec) {
                        for (int b = 0; b < rec; b++) {
                            out.put(d.get(p + b));
                        }
                        out.put(new byte[extra]);
                    }
                }
            }
            placed[f] = new int[] {start - hdrLen, out.position() - start};
        }
        int total = out.position();
        for (int i = 0; i < hdrLen; i++) {
            out.put(i, d.get(i));
        }
        for (int f = 0; f < fields.length; f++) {
            out.putInt(fields[f], placed[f][0]).putInt(fields[f] + 4, placed[f][1]);
        }
        byte[] b = new byte[total];
        out.get(0, b);
        return b;
    }
}
