package dev.bpflux.obj.btf;

import dev.bpflux.obj.ExternalTool;
import dev.bpflux.obj.ObjectCorpus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BtfWriterTest {

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @Test
    void unchangedRoundTripIsByteIdenticalAndDecodesEqual() {
        for (Path obj : ObjectCorpus.all()) {
            Btf btf = BtfTest.objectBtf(obj);
            byte[] written = BtfWriter.of(btf).write();
            assertArrayEquals(bytes(btf.rawBytes()), written, obj.toString());
            assertEquals(btf.localTypes(), Btf.parse(written, "rt").localTypes(), obj.toString());
        }
    }

    @Test
    void vmlinuxRoundTrips() {
        Btf vmlinux = Btf.read(KernelBtfTest.VMLINUX);
        byte[] written = BtfWriter.of(vmlinux).write();
        Btf again = Btf.parse(written, "rt");
        assertEquals(vmlinux.nextTypeId(), again.nextTypeId());
        assertEquals(BpftoolFormat.dump(vmlinux), BpftoolFormat.dump(again));
    }

    @Test
    void sanitizingReplacementsAreWrittenAndEverythingElseIsKept(@TempDir Path dir) throws Exception {
        Btf btf = BtfTest.objectBtf(ObjectCorpus.obj("btf_kinds.bpf.o"));
        BtfWriter w = BtfWriter.of(btf);
        List<Integer> replaced = new ArrayList<>();
        for (int id = 1; id < btf.nextTypeId(); id++) {
            BtfType t = btf.type(id);
            BtfType r = null;
            if (t instanceof BtfType.DeclTag) {
                r = new BtfType.Int(-1, t.name(), 1, 0, 0, 8);
            } else if (t instanceof BtfType.TypeTag && !t.name().equals("kptr")) {
                r = new BtfType.Const(-1, "", ((BtfType.TypeTag) t).type());
            } else if (t instanceof BtfType.Enum64) {
                r = new BtfType.Union(-1, t.name(), ((BtfType.Enum64) t).size(), false, List.of());
            } else if (t instanceof BtfType.Float) {
                r = new BtfType.Struct(-1, "bpflux_float_" + ((BtfType.Float) t).size(), ((BtfType.Float) t).size(),
                        false, List.of());
            } else if (t instanceof BtfType.Func && ((BtfType.Func) t).linkage() == BtfType.FuncLinkage.GLOBAL) {
                r = new BtfType.Func(-1, t.name(), ((BtfType.Func) t).type(), BtfType.FuncLinkage.STATIC);
            } else if (t instanceof BtfType.Datasec && t.name().equals(".data")) {
                List<BtfType.VarSecInfo> vs = new ArrayList<>();
                int off = 0;
                for (BtfType.VarSecInfo v : ((BtfType.Datasec) t).vars()) {
                    vs.add(new BtfType.VarSecInfo(v.type(), off, v.size()));
                    off += 8;
                }
                r = new BtfType.Datasec(-1, t.name(), 28, vs);
            }
            if (r != null) {
                w.replace(id, r);
                replaced.add(id);
            }
        }
        assertTrue(replaced.size() >= 9, replaced.toString());
        byte[] out = w.write();
        Btf again = Btf.parse(out, "sanitized");
        assertEquals(btf.nextTypeId(), again.nextTypeId());
        for (int id = 1; id < btf.nextTypeId(); id++) {
            BtfType before = btf.type(id);
            BtfType after = again.type(id);
            if (replaced.contains(id)) {
                assertEquals(w.type(id).kind(), after.kind());
                assertEquals(w.type(id).name(), after.name());
            } else {
                assertEquals(before, after);
                assertEquals(btf.nameOffset(id), again.nameOffset(id), "string offsets stay valid for BTF.ext");
            }
        }
        BtfType.Datasec data = (BtfType.Datasec) again.typeByName(".data", BtfKind.DATASEC);
        assertEquals(28, data.size());
        assertEquals(8, data.vars().get(1).offset());
        assertEquals(1, again.findByName("bpflux_float_8", BtfKind.STRUCT).length);
        assertEquals(0, again.findByName("big_values", BtfKind.ENUM64).length);
        // bpftool (libbpf) accepts the written blob and reads it exactly as we do.
        Path f = dir.resolve("sanitized.btf");
        Files.write(f, out);
        assertEquals(ExternalTool.lines(ExternalTool.run("bpftool", "btf", "dump", "file", f.toString())),
                BpftoolFormat.dump(again));
    }

    @Test
    void appendedTypesGetTheNextIds() {
        Btf btf = BtfTest.objectBtf(ObjectCorpus.obj("globals.bpf.o"));
        BtfWriter w = BtfWriter.of(btf);
        int id = w.add(new BtfType.Int(-1, "bpflux_new_int", 4, BtfType.Int.SIGNED, 0, 32));
        assertEquals(btf.nextTypeId(), id);
        int ptr = w.add(new BtfType.Ptr(-1, "", id));
        Btf again = Btf.parse(w.write(), "x");
        assertEquals(new BtfType.Int(id, "bpflux_new_int", 4, BtfType.Int.SIGNED, 0, 32), again.type(id));
        assertEquals(id, again.type(ptr, BtfType.Ptr.class).type());
        int intId = btf.findByName("int", BtfKind.INT)[0];
        BtfWriter reuse = BtfWriter.of(btf);
        reuse.add(new BtfType.Typedef(-1, "int", intId));
        Btf r = Btf.parse(reuse.write(), "y");
        assertEquals(btf.rawStrings().remaining(), r.rawStrings().remaining(), "an existing string is reused");
    }
}
