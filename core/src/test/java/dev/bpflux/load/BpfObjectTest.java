package dev.bpflux.load;

import dev.bpflux.testing.TestPins;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.BpfException;
import dev.bpflux.link.BpfLink;
import dev.bpflux.map.BpfMap;
import dev.bpflux.prog.TestRunResult;
import dev.bpflux.sys.SyscallTrigger;
import dev.bpflux.testing.KernelTest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Loads the corpus objects into the kernel, attaches, triggers and reads back what the programs wrote. */
@KernelTest
class BpfObjectTest {
    static final Path CORPUS = Path.of("src/test/bpf/load");

    @Test
    void globalsSetBeforeLoadAreSeenAndDataSectionsWork() {
        LoadOptions opts = LoadOptions.defaults().withVariable("target_tgid", Trigger.tgid())
                .withVariable("cfg_multiplier", 3).withVariable("cfg_magic", 0x1122334455667788L)
                .withStringVariable("cfg_name", "bpflux").withVariable("cfg_flag", true);
        try (BpfObject obj = BpfObject.load(CORPUS.resolve("globals.bpf.o"), opts)) {
            // Only this thread counts: the JVM's other threads make syscalls too.
            obj.global("target_tid").writeInt(SyscallTrigger.gettid());
            try (BpfLink link = obj.program("copy_config").attach()) {
                Trigger.getpid(2);
            }
            assertEquals(2, obj.global("calls").readLong());
            assertEquals(6, obj.global("out_multiplied").readLong());
            assertEquals(0x1122334455667788L, obj.global("out_magic").readLong());
            assertEquals("bpflux", obj.global("out_name").readString());
            assertEquals(1, obj.global("out_flag").read()[0]);
            assertEquals(0xfeedfacecafebeefL, obj.global("out_bar").readLong());
            assertEquals("literal from .rodata.str1.1", obj.global("out_literal").readString());
            assertEquals(9, obj.global("data_counter").readInt());
            byte[] foo = obj.global("foo_values").read();
            assertArrayEquals(new byte[] {1, 0, 0, 0, 12, 0, 0, 0, 13, 0, 0, 0, 4, 0, 0, 0}, foo);
            assertEquals(7, obj.global("out_pair_sum").readLong());
            // .rodata is frozen: neither the API nor the kernel lets it change.
            assertThrows(BpfException.class, () -> obj.global("cfg_magic").writeLong(1));
            BpfMap rodata = obj.map(".rodata");
            assertThrows(BpfException.class, () -> rodata.update(new byte[4], new byte[rodata.valueSize()]));
            assertEquals("globals.rodata", rodata.info().name());
            assertEquals("globals.data", obj.map(".data").info().name());
            assertEquals(".data.foo", obj.map(".data.foo").info().name());
            // .bss is writable from user space.
            obj.global("calls").writeLong(100);
            assertEquals(100, obj.global("calls").readLong());
        }
    }

    @Test
    void typedGlobalsSetAsTextAreWhatTheProgramReads() {
        LoadOptions opts = LoadOptions.defaults().withVariable("cfg_u32", "0xdeadbeef").withVariable("cfg_s32", "-42")
                .withVariable("cfg_bool", "true").withVariable("cfg_name", "bpflux-15-bytes")
                .withVariable("cfg_mode", "MODE_SAFE").withVariable("cfg_level", "LEVEL_LOW")
                .withVariable("cfg_s64", Long.MIN_VALUE).withVariable("cfg_ports", "80,443,8080,0xffffffff")
                .withVariable("cfg_u8", 255);
        try (BpfObject obj = BpfObject.load(CORPUS.resolve("typed_globals.bpf.o"), opts)) {
            // The frozen .rodata map holds the encoded values...
            assertEquals(0xdeadbeef, obj.global("cfg_u32").readInt());
            assertEquals(-42, obj.global("cfg_s32").readInt());
            assertArrayEquals(new byte[] {1}, obj.global("cfg_bool").read());
            assertEquals("bpflux-15-bytes", obj.global("cfg_name").readString());
            assertEquals(2, obj.global("cfg_mode").readInt());
            assertArrayEquals(new byte[] {(byte) 255}, obj.global("cfg_u8").read());
            // ...and the program read them (a test run copies them to .bss).
            assertEquals(2, obj.program("copy_typed").program().testRun(new byte[64], 1).returnValue());
            assertEquals(0xdeadbeef, obj.global("out_u32").readInt());
            assertEquals(-42, obj.global("out_s32").readInt());
            assertArrayEquals(new byte[] {1}, obj.global("out_bool").read());
            assertEquals("bpflux-15-bytes", obj.global("out_name").readString());
            assertEquals(2, obj.global("out_mode").readInt());
            assertEquals(-1, obj.global("out_level").readInt());
            assertEquals(Long.MIN_VALUE, obj.global("out_s64").readLong());
            assertEquals(0xffffffff, obj.global("out_port3").readInt());
            // After load, .bss takes typed writes the same way.
            obj.global("out_bool").write("false");
            assertArrayEquals(new byte[] {0}, obj.global("out_bool").read());
            BpfException bad = assertThrows(BpfException.class, () -> obj.global("out_bool").write("2"));
            assertTrue(bad.getMessage().contains("cannot set global 'out_bool' (bool (_Bool), in .bss) to \"2\""),
                    bad.getMessage());
            obj.global("out_s32").write("-0x10");
            assertEquals(-16, obj.global("out_s32").readInt());
        }
        // A value that does not fit fails the load before any kernel object exists.
        BpfException e = assertThrows(BpfException.class, () -> BpfObject.load(CORPUS.resolve("typed_globals.bpf.o"),
                LoadOptions.defaults().withVariable("cfg_bool", 2)));
        assertTrue(e.getMessage().contains("cannot set global 'cfg_bool' (bool (_Bool), in .rodata) to 2"),
                e.getMessage());
    }

    @Test
    void pinnedProgramMapsAndLinkOutliveTheObject() throws java.io.IOException {
        // A new directory: one named after the pid could hold pins of an earlier aborted run.
        Path dir = TestPins.newDirectory("bpflux-pin-test-");
        try {
            try (BpfObject obj = BpfObject.load(CORPUS.resolve("globals.bpf.o"),
                    LoadOptions.defaults().withVariable("target_tgid", Trigger.tgid()))) {
                obj.global("target_tid").writeInt(SyscallTrigger.gettid()); // the JVM's other threads make syscalls too
                BpfLink link = obj.program("copy_config").attach();
                obj.pinAll(dir);
                link.pin(dir.resolve("link"));
            }
            Trigger.getpid(2); // the pinned link keeps the program attached
            int callsOffset = dev.bpflux.obj.BpfObjectSpec.read(CORPUS.resolve("globals.bpf.o")).dataSection(".bss")
                    .orElseThrow().variable("calls").orElseThrow().offset();
            try (BpfMap bss = BpfMap.openPinned(dir.resolve("maps/globals_bss"));
                 dev.bpflux.prog.BpfProgram prog = dev.bpflux.prog.BpfProgram.openPinned(dir.resolve("copy_config"));
                 BpfLink link = BpfLink.openPinned(dir.resolve("link"))) {
                assertEquals(2, java.nio.ByteBuffer.wrap(bss.lookup(new byte[4]))
                        .order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(callsOffset));
                assertEquals(prog.info().id(), link.info().programId());
            }
        } finally {
            if (java.nio.file.Files.exists(dir)) {
                try (java.util.stream.Stream<Path> s = java.nio.file.Files.walk(dir)) {
                    s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    @Test
    void btfFeatureProbesMatchTheKernelVersion() {
        dev.bpflux.kernel.KernelVersion v = dev.bpflux.kernel.KernelVersion.current();
        ObjectBtfFixer.BtfFeatures f = BtfFeatureProbes.features(dev.bpflux.sys.Bpf.system());
        assertEquals(v.atLeast(4, 20), f.func(), "FUNC");
        assertEquals(v.atLeast(5, 6), f.funcGlobal(), "FUNC global linkage");
        assertEquals(v.atLeast(5, 2), f.datasec(), "VAR/DATASEC");
        assertEquals(v.atLeast(5, 13), f.floatKind(), "FLOAT");
        assertEquals(v.atLeast(5, 16), f.declTag(), "DECL_TAG");
        assertEquals(v.atLeast(5, 17), f.typeTag(), "TYPE_TAG");
        assertEquals(v.atLeast(6, 0), f.enum64(), "ENUM64");
    }

    @Test
    void subprogramsAndBpfLoopCallbacks() {
        try (BpfObject obj = BpfObject.load(CORPUS.resolve("subprogs.bpf.o"),
                LoadOptions.defaults().withVariable("target_tgid", Trigger.tgid()))) {
            // Only this thread counts: the JVM's other threads make syscalls too.
            obj.global("target_tid").writeInt(SyscallTrigger.gettid());
            try (BpfLink link = obj.program("prog_tp").attach()) {
                Trigger.getpid(4);
            }
            assertEquals(4, obj.global("calls").readLong());
            assertEquals(18, obj.global("tp_result").readLong());
            TestRunResult r = obj.program("prog_xdp").program().testRun(new byte[64], 1);
            assertEquals(2, r.returnValue());
            assertEquals(2208, obj.global("xdp_result").readLong());
            assertEquals(1, obj.global("xdp_runs").readLong());
        }
    }

    @Test
    void tracepointRawTracepointAndTpBtf() {
        try (BpfObject obj = BpfObject.load(CORPUS.resolve("attach_tracepoints.bpf.o"),
                LoadOptions.defaults().withVariable("target_tgid", Trigger.tgid()))) {
            int k = 5;
            // Only this thread counts: the JVM's other threads make syscalls too.
            int tid = SyscallTrigger.gettid();
            obj.global("target_tid").writeInt(tid);
            try (BpfLink a = obj.program("on_tp").attach(); BpfLink b = obj.program("on_raw_tp").attach();
                 BpfLink c = obj.program("on_tp_btf").attach()) {
                Trigger.getpid(k);
            }
            assertEquals(k, obj.global("tp_calls").readLong());
            assertEquals(k, obj.global("raw_tp_calls").readLong());
            assertEquals(k, obj.global("tp_btf_calls").readLong());
            assertEquals(39, obj.global("tp_last_id").readLong());
            assertEquals(tid, obj.global("tp_btf_last_tid").readInt());
            Trigger.getpid(3);
            assertEquals(k, obj.global("tp_calls").readLong(), "detached programs must not count");
        }
    }
}
