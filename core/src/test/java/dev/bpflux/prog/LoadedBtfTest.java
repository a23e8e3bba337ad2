package dev.bpflux.prog;

import dev.bpflux.obj.Assembler;
import dev.bpflux.obj.ProgramType;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.BpfSyscallException;
import dev.bpflux.sys.Memlock;
import dev.bpflux.map.BpfMap;
import dev.bpflux.map.MapDefinition;
import dev.bpflux.obj.MapType;
import dev.bpflux.sys.OwnedFd;
import dev.bpflux.testing.KernelTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

@KernelTest
class LoadedBtfTest {
    /** BTF with one type, int (id 1): header, btf_type + int encoding, "\0int\0". */
    static byte[] intBtf(int intBits) {
        byte[] strings = "\0int\0".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(24 + 16 + strings.length).order(ByteOrder.nativeOrder());
        b.putShort((short) 0xeB9F).put((byte) 1).put((byte) 0).putInt(24);
        b.putInt(0).putInt(16).putInt(16).putInt(strings.length);
        b.putInt(1).putInt(1 << 24).putInt(4).putInt((1 << 24) | intBits);
        b.put(strings);
        return b.array();
    }

    @Test
    void btfKeyAndValueTypesForATaskStorageMap() {
        try (LoadedBtf btf = LoadedBtf.load(intBtf(32), "int");
                BpfMap map = BpfMap.create(MapDefinition.builder(MapType.TASK_STORAGE).keySize(4).valueSize(4)
                        .flags(1).btfFd(btf.fd().fd()).btfKeyTypeId(1).btfValueTypeId(1).name("task_st").build())) {
            assertEquals(1, map.info().btfKeyTypeId());
            assertTrue(map.info().btfId() > 0);
        }
    }

    @Test
    void invalidBtfCarriesTheKernelLog() {
        // 33 bits do not fit a 4-byte int: the kernel says so in its log.
        BpfSyscallException e = assertThrows(BpfSyscallException.class, () -> LoadedBtf.load(intBtf(33), "bad int"));
        assertTrue(e.getMessage().startsWith("BPF_BTF_LOAD of bad int failed with EINVAL (22): Invalid argument; "
                + "kernel BTF log: "), e.getMessage());
    }

    @Test
    void runTimeStatsCountRuns() {
        try (OwnedFd stats = RunTimeStats.enable();
                BpfProgram prog = BpfProgram.load(ProgramLoadRequest.builder(ProgramType.XDP, Assembler.returnImm(2))
                        .name("stats").build())) {
            prog.testRun(new byte[64], 10);
            assertEquals(10, prog.info().runCount());
        }
        assertFalse(Memlock.raiseForOldKernels(), "6.x charges BPF memory to cgroups, nothing to raise");
    }
}
