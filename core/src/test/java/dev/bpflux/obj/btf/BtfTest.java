package dev.bpflux.obj.btf;

import dev.bpflux.BpfObjectException;
import dev.bpflux.obj.ExternalTool;
import dev.bpflux.obj.ObjectCorpus;
import dev.bpflux.obj.elf.ElfFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BtfTest {

    static Btf objectBtf(Path obj) {
        ElfFile elf = ElfFile.read(obj);
        return Btf.parse(elf.section(".BTF").orElseThrow().data(), obj.toString());
    }

    @Test
    void everyCorpusObjectDecodesExactlyAsBpftoolPrintsIt() {
        for (Path obj : ObjectCorpus.all()) {
            List<String> expected = ExternalTool.lines(ExternalTool.run("bpftool", "btf", "dump", "file", obj.toString()));
            assertEquals(expected, BpftoolFormat.dump(objectBtf(obj)), obj.toString());
        }
    }

    @Test
    void corpusCoversEveryBtfKindClangEmits() {
        Set<BtfKind> seen = new TreeSet<>();
        for (Path obj : ObjectCorpus.all()) {
            Btf btf = objectBtf(obj);
            for (int id = 1; id < btf.nextTypeId(); id++) {
                seen.add(btf.kind(id));
            }
        }
        Set<BtfKind> all = new TreeSet<>(Arrays.asList(BtfKind.values()));
        all.remove(BtfKind.UNKNOWN);
        assertEquals(all, seen);
    }

    @Test
    void decodesTheKindsOfBtfKindsObject() {
        Btf btf = objectBtf(ObjectCorpus.obj("btf_kinds.bpf.o"));
        BtfType.Enum64 big = (BtfType.Enum64) btf.typeByName("big_values", BtfKind.ENUM64);
        assertFalse(big.signed());
        assertEquals(0xfedcba9876543210L, big.values().get(1).value());
        BtfType.Enum sv = (BtfType.Enum) btf.typeByName("signed_values", BtfKind.ENUM);
        assertTrue(sv.signed());
        assertEquals(-1, sv.values().get(0).value());

        BtfType.Struct bits = (BtfType.Struct) btf.typeByName("bits", BtfKind.STRUCT);
        assertTrue(bits.kindFlag());
        BtfType.Member mid = bits.members().get(1);
        assertEquals("mid", mid.name());
        assertEquals(3, mid.bitOffset());
        assertEquals(13, mid.bitfieldSize());
        assertEquals(72, btf.sizeOf(bits.id()));
        assertEquals(8, btf.alignOf(bits.id()));

        // Tags: one on the struct (-1), one on member 10, one on parameter 0 of tagged_func.
        Set<String> tags = new TreeSet<>();
        for (int id : allOfKind(btf, BtfKind.DECL_TAG)) {
            BtfType.DeclTag t = btf.type(id, BtfType.DeclTag.class);
            tags.add(t.name() + "@" + btf.typeName(t.type()) + ":" + t.componentIdx());
        }
        assertEquals(Set.of("struct_tag@bits:-1", "member_tag@bits:10", "param_tag@tagged_func:0",
                "func_tag@tagged_func:-1", "var_tag@holder_var:-1"), tags);

        BtfType.Struct holder = (BtfType.Struct) btf.typeByName("holder", BtfKind.STRUCT);
        BtfType.Ptr userPtr = btf.type(holder.members().get(0).type(), BtfType.Ptr.class);
        BtfType.TypeTag user = btf.type(userPtr.type(), BtfType.TypeTag.class);
        assertEquals("user", user.name());
        assertEquals("int", btf.typeName(btf.skipModifiers(user.id())));
        // vc_u32 is typedef -> const -> volatile -> typedef __u32 -> unsigned int.
        int vc = holder.members().get(2).type();
        assertEquals(BtfKind.TYPEDEF, btf.kind(vc));
        assertEquals(vc, btf.skipQualifiers(vc));
        assertEquals("unsigned int", btf.typeName(btf.skipModifiers(vc)));
        assertEquals(4, btf.sizeOf(vc));
        assertEquals(168, btf.sizeOf(holder.id()));

        BtfType.Float dbl = (BtfType.Float) btf.typeByName("double", BtfKind.FLOAT);
        assertEquals(8, dbl.size());
        BtfType.Fwd fwd = (BtfType.Fwd) btf.typeByName("opaque_union_fwd", BtfKind.FWD);
        assertTrue(fwd.union());
        BtfType.Func f = (BtfType.Func) btf.typeByName("tagged_func", BtfKind.FUNC);
        assertEquals(BtfType.FuncLinkage.GLOBAL, f.linkage());
        BtfType.FuncProto proto = btf.type(f.type(), BtfType.FuncProto.class);
        assertEquals(List.of("a", "b"), proto.params().stream().map(BtfType.Param::name).toList());
        assertEquals(BtfKind.RESTRICT, btf.kind(proto.params().get(1).type()));
    }

    @Test
    void sizesMatchWhatClangPutInEveryDatasec() {
        // clang computed each variable's size itself; our sizeOf must agree for every one.
        int checked = 0;
        for (Path obj : ObjectCorpus.all()) {
            Btf btf = objectBtf(obj);
            for (int id : allOfKind(btf, BtfKind.DATASEC)) {
                BtfType.Datasec ds = btf.type(id, BtfType.Datasec.class);
                for (BtfType.VarSecInfo v : ds.vars()) {
                    if (btf.kind(v.type()) != BtfKind.VAR || ds.name().equals(".ksyms")
                            || ds.name().equals(".kconfig") || endsInFlexibleArray(btf, v.type())) {
                        continue;
                    }
                    assertEquals(v.size(), btf.sizeOf(v.type()), obj + " " + btf.typeName(v.type()));
                    checked++;
                }
            }
        }
        assertTrue(checked > 40, "checked " + checked);
    }

    @Test
    void findByNameReturnsEveryMatchInIdOrder() {
        Btf btf = TestBlobs.base(
                new BtfType.Int(-1, "int", 4, BtfType.Int.SIGNED, 0, 32),
                new BtfType.Typedef(-1, "dup", 1),
                new BtfType.Struct(-1, "dup", 4, false, List.of(new BtfType.Member("x", 1, 0, 0))),
                new BtfType.Typedef(-1, "dup", 3),
                new BtfType.Ptr(-1, "", 3));
        assertArrayEquals(new int[] {2, 4}, btf.findByName("dup", BtfKind.TYPEDEF));
        assertArrayEquals(new int[] {3}, btf.findByName("dup", BtfKind.STRUCT));
        assertArrayEquals(new int[] {2, 3, 4}, btf.findByName("dup", null));
        assertArrayEquals(new int[0], btf.findByName("du", null));
        assertArrayEquals(new int[0], btf.findByName("dupe", null));
        assertArrayEquals(new int[0], btf.findByName("", null));
        assertEquals(8, btf.sizeOf(5));
        BpfObjectException e = assertThrows(BpfObjectException.class, () -> btf.typeByName("nope", BtfKind.STRUCT));
        assertTrue(e.getMessage().contains("no STRUCT named 'nope'"), e.getMessage());
    }

    @Test
    void referenceCyclesAreReportedNotFollowedForever() {
        // 1: const -> 2, 2: volatile -> 1 (a cycle); 3: typedef -> itself; 4: array of 5, 5: typedef -> 4.
        Btf btf = TestBlobs.base(
                new BtfType.Const(-1, "", 2),
                new BtfType.Volatile(-1, "", 1),
                new BtfType.Typedef(-1, "self", 3),
                new BtfType.Array(-1, "", 5, 0, 2),
                new BtfType.Typedef(-1, "loop", 4),
                new BtfType.Struct(-1, "s", 8, false, List.of(new BtfType.Member("me", 6, 0, 0))));
        for (int id = 1; id <= 5; id++) {
            final int i = id;
            assertThrows(BpfObjectException.class, () -> btf.sizeOf(i));
        }
        assertThrows(BpfObjectException.class, () -> btf.skipModifiers(1));
        assertThrows(BpfObjectException.class, () -> btf.skipModifiers(3));
        assertThrows(BpfObjectException.class, () -> btf.alignOf(6));
        assertThrows(BpfObjectException.class, () -> btf.alignOf(4));
    }

    @Test
    void danglingReferencesAndBadIdsAreErrors() {
        Btf btf = TestBlobs.base(new BtfType.Ptr(-1, "", 77), new BtfType.Func(-1, "f", 1, BtfType.FuncLinkage.STATIC));
        assertThrows(BpfObjectException.class, () -> btf.type(3));
        assertThrows(BpfObjectException.class, () -> btf.type(-1));
        assertThrows(BpfObjectException.class, () -> btf.kind(77));
        assertEquals(8, btf.sizeOf(1));
        assertThrows(BpfObjectException.class, () -> btf.alignOf(2));
        assertThrows(BpfObjectException.class, () -> btf.sizeOf(2));
        assertInstanceOf(BtfType.Void.class, btf.type(0));
    }

    @Test
    void packedStructsHaveAlignmentOne() {
        Btf btf = TestBlobs.base(
                new BtfType.Int(-1, "int", 4, BtfType.Int.SIGNED, 0, 32),
                new BtfType.Int(-1, "char", 1, BtfType.Int.SIGNED, 0, 8),
                new BtfType.Struct(-1, "packed", 5, false, List.of(new BtfType.Member("c", 2, 0, 0),
                        new BtfType.Member("i", 1, 8, 0))),
                new BtfType.Struct(-1, "normal", 8, false, List.of(new BtfType.Member("c", 2, 0, 0),
                        new BtfType.Member("i", 1, 32, 0))));
        assertEquals(1, btf.alignOf(3));
        assertEquals(4, btf.alignOf(4));
    }

    @Test
    void splitBtfContinuesIdsAndStringsOfItsBase(@TempDir Path dir) throws Exception {
        Btf base = objectBtf(ObjectCorpus.obj("btf_kinds.bpf.o"));
        int intId = base.findByName("int", BtfKind.INT)[0];
        int bitsId = base.findByName("bits", BtfKind.STRUCT)[0];
        BtfWriter w = BtfWriter.of(Btf.parseSplit(TestBlobs.emptySplit(), base, "split"));
        int s = w.add(new BtfType.Struct(-1, "split_struct", 80, false, List.of(
                new BtfType.Member("n", intId, 0, 0), new BtfType.Member("b", bitsId, 64, 0))));
        int p = w.add(new BtfType.Ptr(-1, "", s));
        int td = w.add(new BtfType.Typedef(-1, "int", p)); // same name as a base type, other kind
        byte[] blob = w.write();

        Btf split = Btf.parseSplit(blob, base, "split");
        assertEquals(base.nextTypeId(), split.firstTypeId());
        assertEquals(base.nextTypeId(), s);
        assertEquals(3, split.localCount());
        assertTrue(split.nameOffset(s) >= base.stringsEnd());
        assertEquals("split_struct", split.typeName(s));
        assertEquals(80, split.sizeOf(s));
        assertEquals(8, split.sizeOf(p));
        assertArrayEquals(new int[] {intId}, split.findByName("int", BtfKind.INT));
        assertArrayEquals(new int[] {intId, td}, split.findByName("int", null));
        assertEquals("bits", split.typeName(bitsId));
        assertEquals(72, split.sizeOf(split.type(s, BtfType.Struct.class).members().get(1).type()));

        // bpftool reads the same split blob on top of the same base identically.
        Path baseFile = dir.resolve("base.btf");
        Path splitFile = dir.resolve("split.btf");
        ByteBufferFiles.write(baseFile, base.rawBytes());
        Files.write(splitFile, blob);
        List<String> expected = ExternalTool.lines(ExternalTool.run("bpftool", "--base-btf", baseFile.toString(),
                "btf", "dump", "file", splitFile.toString()));
        assertEquals(expected, BpftoolFormat.dump(split));
    }

    @Test
    void headerProblemsAreExplained() {
        byte[] ok = TestBlobs.emptyBase();
        byte[] badMagic = ok.clone();
        badMagic[0] = 0x12;
        assertTrue(assertThrows(BpfObjectException.class, () -> Btf.parse(badMagic, "x")).getMessage()
                .contains("bad BTF magic"));
        byte[] bigEndian = ok.clone();
        bigEndian[0] = (byte) 0xeb;
        bigEndian[1] = (byte) 0x9f;
        assertTrue(assertThrows(BpfObjectException.class, () -> Btf.parse(bigEndian, "x")).getMessage()
                .contains("big-endian"));
        byte[] hugeStrLen = ok.clone();
        hugeStrLen[20] = (byte) 0xff;
        hugeStrLen[23] = (byte) 0x7f;
        assertThrows(BpfObjectException.class, () -> Btf.parse(hugeStrLen, "x"));
        assertThrows(BpfObjectException.class, () -> Btf.parse(Arrays.copyOf(ok, 10), "x"));
    }

    /** A map with a .values initializer: the variable is larger than its type's flexible array allows. */
    private static boolean endsInFlexibleArray(Btf btf, int varId) {
        BtfType t = btf.type(btf.skipModifiers(btf.referencedType(varId)));
        if (!(t instanceof BtfType.Struct) || ((BtfType.Struct) t).members().isEmpty()) {
            return false;
        }
        List<BtfType.Member> ms = ((BtfType.Struct) t).members();
        BtfType last = btf.type(btf.skipModifiers(ms.get(ms.size() - 1).type()));
        return last instanceof BtfType.Array && ((BtfType.Array) last).nelems() == 0;
    }

    static int[] allOfKind(Btf btf, BtfKind kind) {
        return java.util.stream.IntStream.range(btf.firstTypeId(), btf.nextTypeId()).filter(i -> btf.kind(i) == kind)
                .toArray();
    }
}
