package dev.bpflux.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** Offsets and sizes checked against the struct layouts of linux/bpf.h (no kernel needed). */
class BpfAttrLayoutTest {
    private static ByteBuffer bytes(BpfAttr a) {
        return ByteBuffer.wrap(a.bytes()).order(ByteOrder.nativeOrder());
    }

    private static final Pointer P = new Pointer(0x1122334455667788L);

    @Test
    void mapCreate() {
        try (BpfAttr.MapCreate a = new BpfAttr.MapCreate()) {
            a.mapType(1).keySize(2).valueSize(3).maxEntries(4).mapFlags(5).innerMapFd(6).numaNode(7)
                    .mapName("0123456789abcdefXYZ").mapIfindex(8).btfFd(9).btfKeyTypeId(10).btfValueTypeId(11)
                    .btfVmlinuxValueTypeId(12).mapExtra(0x0102030405060708L);
            ByteBuffer b = bytes(a);
            assertEquals(72, a.size());
            int[] u32 = {0, 4, 8, 12, 16, 20, 24};
            for (int i = 0; i < u32.length; i++) {
                assertEquals(i + 1, b.getInt(u32[i]));
            }
            byte[] name = new byte[16];
            b.get(28, name);
            assertEquals("0123456789abcde\0", new String(name, java.nio.charset.StandardCharsets.US_ASCII));
            assertEquals(8, b.getInt(44));
            assertEquals(9, b.getInt(48));
            assertEquals(10, b.getInt(52));
            assertEquals(11, b.getInt(56));
            assertEquals(12, b.getInt(60));
            assertEquals(0x0102030405060708L, b.getLong(64));
        }
    }

    @Test
    void mapElemAndBatch() {
        try (BpfAttr.MapElem a = new BpfAttr.MapElem(BpfCommand.BPF_MAP_UPDATE_ELEM)) {
            a.mapFd(3).key(P).value(new Pointer(16)).flags(2);
            ByteBuffer b = bytes(a);
            assertEquals(32, a.size());
            assertEquals(3, b.getInt(0));
            assertEquals(0x1122334455667788L, b.getLong(8));
            assertEquals(16, b.getLong(16));
            assertEquals(2, b.getLong(24));
        }
        try (BpfAttr.MapBatch a = new BpfAttr.MapBatch(BpfCommand.BPF_MAP_LOOKUP_BATCH)) {
            a.inBatch(new Pointer(1)).outBatch(new Pointer(2)).keys(new Pointer(3)).values(new Pointer(4)).count(5)
                    .mapFd(6).elemFlags(7).flags(8);
            ByteBuffer b = bytes(a);
            assertEquals(56, a.size());
            assertEquals(1, b.getLong(0));
            assertEquals(2, b.getLong(8));
            assertEquals(3, b.getLong(16));
            assertEquals(4, b.getLong(24));
            assertEquals(5, b.getInt(32));
            assertEquals(6, b.getInt(36));
            assertEquals(7, b.getLong(40));
            assertEquals(8, b.getLong(48));
        }
    }

    @Test
    void progLoad() {
        try (BpfAttr.ProgLoad a = new BpfAttr.ProgLoad()) {
            a.progType(1).insns(new Pointer(2), 3).log(new Pointer(4), 5, 6).kernVersion(7).progFlags(8)
                    .progName("prog").progIfindex(9).expectedAttachType(10).progBtfFd(11)
                    .funcInfo(new Pointer(12), 13, 14).lineInfo(new Pointer(15), 16, 17).attachBtfId(18)
                    .attachProgFd(19).fdArray(new Pointer(20)).coreRelos(new Pointer(21), 22, 23);
            ByteBuffer b = bytes(a);
            assertEquals(144, a.size());
            assertEquals(1, b.getInt(0));
            assertEquals(3, b.getInt(4));
            assertEquals(2, b.getLong(8));
            assertEquals(6, b.getInt(24));
            assertEquals(5, b.getInt(28));
            assertEquals(4, b.getLong(32));
            assertEquals(7, b.getInt(40));
            assertEquals(8, b.getInt(44));
            assertEquals('p', b.get(48));
            assertEquals(9, b.getInt(64));
            assertEquals(10, b.getInt(68));
            assertEquals(11, b.getInt(72));
            assertEquals(13, b.getInt(76));
            assertEquals(12, b.getLong(80));
            assertEquals(14, b.getInt(88));
            assertEquals(16, b.getInt(92));
            assertEquals(15, b.getLong(96));
            assertEquals(17, b.getInt(104));
            assertEquals(18, b.getInt(108));
            assertEquals(19, b.getInt(112));
            assertEquals(23, b.getInt(116));
            assertEquals(20, b.getLong(120));
            assertEquals(21, b.getLong(128));
            assertEquals(22, b.getInt(136));
        }
    }

    @Test
    void linkCreateTails() {
        try (BpfAttr.LinkCreate a = new BpfAttr.LinkCreate()) {
            a.progFd(1).targetFd(2).attachType(3).flags(4).perfEventCookie(0xABCDL);
            ByteBuffer b = bytes(a);
            assertEquals(64, a.size());
            assertEquals(1, b.getInt(0));
            assertEquals(2, b.getInt(4));
            assertEquals(3, b.getInt(8));
            assertEquals(4, b.getInt(12));
            assertEquals(0xABCDL, b.getLong(16));
        }
        try (BpfAttr.LinkCreate a = new BpfAttr.LinkCreate()) {
            a.targetBtfId(77).tracingCookie(99);
            ByteBuffer b = bytes(a);
            assertEquals(77, b.getInt(16));
            assertEquals(99, b.getLong(24));
        }
        try (BpfAttr.LinkCreate a = new BpfAttr.LinkCreate()) {
            a.kprobeMulti(1, 2, new Pointer(3), new Pointer(4), new Pointer(5));
            ByteBuffer b = bytes(a);
            assertEquals(1, b.getInt(16));
            assertEquals(2, b.getInt(20));
            assertEquals(3, b.getLong(24));
            assertEquals(4, b.getLong(32));
            assertEquals(5, b.getLong(40));
        }
        try (BpfAttr.LinkCreate a = new BpfAttr.LinkCreate()) {
            a.uprobeMulti("/bin/true", new Pointer(2), new Pointer(3), new Pointer(4), 5, 6, 7);
            ByteBuffer b = bytes(a);
            assertEquals(2, b.getLong(24));
            assertEquals(3, b.getLong(32));
            assertEquals(4, b.getLong(40));
            assertEquals(5, b.getInt(48));
            assertEquals(6, b.getInt(52));
            assertEquals(7, b.getInt(56));
            assertEquals("/bin/true", new Pointer(b.getLong(16)).getString(0));
        }
        try (BpfAttr.LinkCreate a = new BpfAttr.LinkCreate()) {
            a.tcxRelativeFd(5).tcxExpectedRevision(6);
            ByteBuffer b = bytes(a);
            assertEquals(5, b.getInt(16));
            assertEquals(6, b.getLong(24));
        }
    }

    @Test
    void smallCommands() {
        try (BpfAttr.Obj a = new BpfAttr.Obj(BpfCommand.BPF_OBJ_PIN)) {
            a.pathname("/sys/fs/bpf/x").bpfFd(3).fileFlags(4);
            ByteBuffer b = bytes(a);
            assertEquals(16, a.size());
            assertEquals("/sys/fs/bpf/x", new Pointer(b.getLong(0)).getString(0));
            assertEquals(3, b.getInt(8));
            assertEquals(4, b.getInt(12));
        }
        try (BpfAttr.ProgAttach a = new BpfAttr.ProgAttach(BpfCommand.BPF_PROG_ATTACH)) {
            a.targetFd(1).attachBpfFd(2).attachType(3).attachFlags(4).replaceBpfFd(5);
            ByteBuffer b = bytes(a);
            assertEquals(20, a.size());
            for (int i = 0; i < 5; i++) {
                assertEquals(i + 1, b.getInt(4 * i));
            }
        }
        try (BpfAttr.ProgTestRun a = new BpfAttr.ProgTestRun()) {
            a.progFd(1).dataIn(new Pointer(2), 3).dataOut(new Pointer(4), 5).repeat(6).ctxIn(new Pointer(7), 8)
                    .ctxOut(new Pointer(9), 10).flags(11).cpu(12);
            ByteBuffer b = bytes(a);
            assertEquals(76, a.size());
            assertEquals(1, b.getInt(0));
            assertEquals(3, b.getInt(8));
            assertEquals(5, b.getInt(12));
            assertEquals(2, b.getLong(16));
            assertEquals(4, b.getLong(24));
            assertEquals(6, b.getInt(32));
            assertEquals(8, b.getInt(40));
            assertEquals(10, b.getInt(44));
            assertEquals(7, b.getLong(48));
            assertEquals(9, b.getLong(56));
            assertEquals(11, b.getInt(64));
            assertEquals(12, b.getInt(68));
        }
        try (BpfAttr.GetFdById a = new BpfAttr.GetFdById(BpfCommand.BPF_MAP_GET_FD_BY_ID)) {
            a.id(5).openFlags(6);
            assertEquals(12, a.size());
            assertEquals(5, bytes(a).getInt(0));
            assertEquals(6, bytes(a).getInt(8));
        }
        try (BpfAttr.InfoByFd a = new BpfAttr.InfoByFd()) {
            a.bpfFd(3).info(new Pointer(8), 88);
            assertEquals(16, a.size());
            assertEquals(3, bytes(a).getInt(0));
            assertEquals(88, bytes(a).getInt(4));
            assertEquals(8, bytes(a).getLong(8));
        }
        try (BpfAttr.RawTracepointOpen a = new BpfAttr.RawTracepointOpen()) {
            a.name("sys_enter").progFd(9);
            assertEquals("sys_enter", new Pointer(bytes(a).getLong(0)).getString(0));
            assertEquals(9, bytes(a).getInt(8));
        }
        try (BpfAttr.BtfLoad a = new BpfAttr.BtfLoad()) {
            a.btf(new Pointer(1), 2).log(new Pointer(3), 4, 5);
            ByteBuffer b = bytes(a);
            assertEquals(1, b.getLong(0));
            assertEquals(3, b.getLong(8));
            assertEquals(2, b.getInt(16));
            assertEquals(4, b.getInt(20));
            assertEquals(5, b.getInt(24));
        }
        try (BpfAttr.ProgBindMap a = new BpfAttr.ProgBindMap()) {
            a.progFd(1).mapFd(2);
            assertEquals(12, a.size());
            assertEquals(2, bytes(a).getInt(4));
        }
    }

    @Test
    void perfEventAttr() {
        try (PerfEventAttr a = new PerfEventAttr()) {
            a.type(2).config(3).samplePeriod(1).sampleType(PerfEventAttr.PERF_SAMPLE_RAW).wakeup(1)
                    .flags(PerfEventAttr.FLAG_DISABLED).config2(7).config1String("do_sys_open");
            ByteBuffer b = ByteBuffer.wrap(a.bytes()).order(ByteOrder.nativeOrder());
            assertEquals(2, b.getInt(0));
            assertEquals(128, b.getInt(4));
            assertEquals(3, b.getLong(8));
            assertEquals(1, b.getLong(16));
            assertEquals(1L << 10, b.getLong(24));
            assertEquals(1, b.getLong(40));
            assertEquals(1, b.getInt(48));
            assertEquals("do_sys_open", new Pointer(b.getLong(56)).getString(0));
            assertEquals(7, b.getLong(64));
        }
    }
}
