package dev.bpflux.prog;

import dev.bpflux.obj.Assembler;
import dev.bpflux.testing.TestPins;
import dev.bpflux.obj.ProgramType;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.BpfVerifierException;
import dev.bpflux.map.BpfMap;
import dev.bpflux.map.MapCodec;
import dev.bpflux.map.MapDefinition;
import dev.bpflux.obj.MapType;
import dev.bpflux.testing.KernelTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

@KernelTest
class BpfProgramTest {
    static final int XDP_PASS = 2;

    static BpfMap counter() {
        return BpfMap.create(MapDefinition.builder(MapType.ARRAY).keySize(4).valueSize(8).maxEntries(1)
                .name("counter").build());
    }

    static byte[] ethernetFrame() {
        byte[] frame = new byte[64];
        for (int i = 0; i < frame.length; i++) {
            frame[i] = (byte) i;
        }
        return frame;
    }

    @Test
    void xdpProgramRunsAndCounts() {
        try (BpfMap counter = counter();
                BpfProgram prog = BpfProgram.load(ProgramLoadRequest.builder(ProgramType.XDP,
                        Assembler.countIntoArray(counter.fd().fd(), XDP_PASS)).name("xdp_count").build())) {
            TestRunResult r = prog.testRun(ethernetFrame(), 5);
            assertEquals(XDP_PASS, r.returnValue());
            assertArrayEquals(ethernetFrame(), r.dataOut());
            assertEquals(5, MapCodec.NATIVE.toLong(counter.lookup(MapCodec.NATIVE.ofInt(0))));

            ProgramInfo info = prog.info();
            assertEquals(ProgramType.XDP, info.type());
            assertEquals("xdp_count", info.name());
            assertEquals(1, info.mapIds().length);
            assertEquals(counter.info().id(), info.mapIds()[0]);
            assertEquals(16, info.tag().length());
            // The kernel may rewrite (inline the array lookup), so the translated program is at least as long.
            assertTrue(info.xlatedLength() >= Assembler.countIntoArray(counter.fd().fd(), XDP_PASS).length);
            assertEquals(0, info.xlatedLength() % 8);
            assertTrue(info.gplCompatible());
        }
    }

    @Test
    void verifierRejectionCarriesTheWholeLog() {
        // r0 = *(u64 *)(r2 + 0) with r2 uninitialized: "R2 !read_ok".
        byte[] bad = new Assembler().loadReg64(Assembler.R0, Assembler.R2, 0).exit().toBytes();
        BpfVerifierException e = assertThrows(BpfVerifierException.class, () -> BpfProgram.load(
                ProgramLoadRequest.builder(ProgramType.SOCKET_FILTER, bad).name("bad_prog").build()));
        assertEquals("bad_prog", e.program());
        assertEquals(13, e.errno()); // EACCES: the verifier refused
        assertTrue(e.log().contains("R2 !read_ok"), e.log());
        assertTrue(e.getMessage().startsWith("loading program 'bad_prog' failed with EACCES (13): the verifier "
                + "rejected instruction 0 (r0 = *(u64 *)(r2 +0)): R2 !read_ok\nverifier log"), e.getMessage());
        assertTrue(e.getMessage().contains("R2 !read_ok"), e.getMessage());
    }

    @Test
    void requestedLogIsKeptOnSuccess() {
        try (BpfProgram prog = BpfProgram.load(ProgramLoadRequest.builder(ProgramType.SOCKET_FILTER,
                Assembler.returnImm(0)).name("logged").logLevel(2).build())) {
            assertTrue(prog.verifierLog().contains("processed 2 insns"), prog.verifierLog());
        }
    }

    @Test
    void verifierLogGrowsBeyondTheFirstBuffer() {
        Assembler big = new Assembler();
        for (int i = 0; i < 4000; i++) {
            big.movImm(Assembler.R0, i);
        }
        byte[] insns = big.exit().toBytes();
        try (BpfProgram prog = BpfProgram.load(ProgramLoadRequest.builder(ProgramType.SOCKET_FILTER, insns)
                .name("big_log").logLevel(2).build())) {
            String log = prog.verifierLog();
            assertTrue(log.length() > BpfProgram.INITIAL_LOG_SIZE, "log of " + log.length() + " bytes");
            assertTrue(log.contains("processed 4001 insns"), log.substring(Math.max(0, log.length() - 300)));
        }
    }

    @Test
    void pinAndOpenPinned() throws Exception {
        Path dir = TestPins.newDirectory("bpflux-prog");
        Path pin = dir.resolve("p");
        try (BpfProgram prog = BpfProgram.load(ProgramLoadRequest.builder(ProgramType.SOCKET_FILTER,
                Assembler.returnImm(0)).name("pinned").build())) {
            prog.pin(pin);
            try (BpfProgram again = BpfProgram.openPinned(pin)) {
                assertEquals(prog.info().id(), again.info().id());
                assertEquals("pinned", again.name());
                assertEquals(ProgramType.SOCKET_FILTER, again.type());
            }
            try (BpfProgram byId = BpfProgram.fromId(prog.info().id())) {
                assertEquals("pinned", byId.name());
            }
        } finally {
            Files.deleteIfExists(pin);
            Files.delete(dir);
        }
        assertFalse(Files.exists(dir));
    }
}
