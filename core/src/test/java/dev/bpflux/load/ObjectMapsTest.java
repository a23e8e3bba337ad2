package dev.bpflux.load;

import dev.bpflux.testing.TestPins;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.BpfException;
import dev.bpflux.kernel.PossibleCpus;
import dev.bpflux.link.BpfLink;
import dev.bpflux.map.BpfMap;
import dev.bpflux.map.MapInfo;
import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.sys.SyscallTrigger;
import dev.bpflux.testing.KernelTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** maps.bpf.o: every common map type, prog array and map-in-map initial slots, pinning, spin locks, task storage. */
@KernelTest
class ObjectMapsTest {
    static final Path MAPS = BpfObjectTest.CORPUS.resolve("maps.bpf.o");
    Path pinDir;

    @BeforeEach
    void pinDirectory() throws IOException {
        // A new directory each time: one named after the pid could hold pins of an earlier aborted run.
        pinDir = TestPins.newDirectory("bpflux-load-test-");
    }

    @AfterEach
    void removePins() throws IOException {
        try (Stream<Path> s = Files.walk(pinDir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    static long u64(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    @Test
    void everyMapTypeIsCreatedFilledAndUsed() {
        int k = 3;
        int tid;
        LoadOptions opts = LoadOptions.defaults().withVariable("target_tgid", Trigger.tgid()).withPinDirectory(pinDir);
        try (BpfObject obj = BpfObject.load(MAPS, opts)) {
            // perf event array sized to the possible CPUs; ring buffer kept at 64 KiB.
            assertEquals(PossibleCpus.system().count(), obj.map("events_perf").maxEntries());
            assertEquals(64 * 1024, obj.map("events_rb").maxEntries());
            assertEquals(3, obj.map("bloom_map").info().mapExtra());
            // jump_table[1] holds tail_target, filled after the programs loaded.
            assertTrue(obj.map("jump_table").lookup(u32(1)) != null);
            // Each thread has its own task storage value; the JVM's other threads make syscalls too
            // (getpid among them, which exercise_maps counts): target_tid names this thread to both programs.
            tid = SyscallTrigger.gettid();
            obj.global("target_tid").writeInt(tid);
            try (BpfLink a = obj.program("exercise_maps").attach(); BpfLink b = obj.program("count_task").attach()) {
                Trigger.getpid(k);
            }
            assertEquals(k, obj.global("calls").readLong());
            assertEquals(k, obj.global("tail_calls").readLong());
            assertEquals(k, u64(obj.map("hash_map").lookup(u32(1))));
            assertEquals(k, u64(obj.map("array_map").lookup(u32(0))));
            assertEquals(tid, (int) u64(obj.map("array_map").lookup(u32(1))), "the last caller's tid");
            assertEquals(k, obj.map("percpu_hash_map").lookupPerCpu(u32(0)).sumLong());
            assertEquals(k, obj.map("percpu_array_map").lookupPerCpu(u32(0)).sumLong());
            assertEquals(k, u64(obj.map("lru_hash_map").lookup(u32(tid))));
            assertEquals(k, obj.map("lru_percpu_map").lookupPerCpu(u32(tid)).sumLong());
            assertEquals(0, obj.global("ringbuf_errors").readLong());
            assertEquals(k, u64(obj.map("inner_a").lookup(u32(0))));
            assertEquals(100L * k, u64(obj.map("inner_b").lookup(u32(0))));
            for (int i = 1; i <= k; i++) {
                assertEquals(i, u64(obj.map("queue_map").lookupAndDelete(new byte[0])));
            }
            for (int i = k; i >= 1; i--) {
                assertEquals(i, u64(obj.map("stack_map").lookupAndDelete(new byte[0])));
            }
            long ownSyscalls = obj.global("task_storage_value").readLong();
            assertTrue(ownSyscalls >= k, "this thread's task storage counted " + ownSyscalls + " syscalls, want >= " + k);
            // The pinned map is at <pin dir>/bpflux_pinned and counts too.
            try (BpfMap pinned = BpfMap.openPinned(pinDir.resolve("bpflux_pinned"))) {
                assertEquals(k, u64(pinned.lookup(u32(0))));
            }
            // A spin lock value needs BTF: the test run adds under the lock.
            for (int i = 0; i < 5; i++) {
                assertEquals(0, obj.program("locked_add").program().testRun(new byte[64], 1).returnValue());
            }
            byte[] v = obj.map("spin_lock_map").lookup(u32(0));
            assertEquals(5, ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getLong(8));
            MapInfo info = obj.map("spin_lock_map").info();
            assertTrue(info.btfValueTypeId() != 0, "spin_lock_map created with its BTF value type");
        }
    }

    @Test
    void pinnedMapIsReusedByTheNextLoadAndAnIncompatiblePinFails() {
        LoadOptions opts = LoadOptions.defaults().withVariable("target_tgid", Trigger.tgid()).withPinDirectory(pinDir)
                .withProgramsToLoad("exercise_maps");
        int firstId;
        try (BpfObject first = BpfObject.load(MAPS, opts)) {
            firstId = first.map("bpflux_pinned").info().id();
            first.map("bpflux_pinned").update(u32(0), new byte[] {42, 0, 0, 0, 0, 0, 0, 0});
        }
        try (BpfObject second = BpfObject.load(MAPS, opts)) {
            assertEquals(firstId, second.map("bpflux_pinned").info().id());
            assertEquals(42, u64(second.map("bpflux_pinned").lookup(u32(0))));
        }
        BpfException e = assertThrows(BpfException.class,
                () -> BpfObject.load(MAPS, opts.withMaxEntries("bpflux_pinned", 2)).close());
        assertTrue(e.getMessage().contains("max entries 1 != 2"), e.getMessage());
        assertTrue(e.getMessage().contains(pinDir.resolve("bpflux_pinned").toString()), e.getMessage());
    }

    @Test
    void perProgramLoadingCreatesOnlyWhatTheProgramUses() {
        try (BpfObject obj = BpfObject.load(MAPS, LoadOptions.defaults().withProgramsToLoad("locked_add"))) {
            assertEquals(1, obj.programs().size());
            assertTrue(obj.maps().containsKey("spin_lock_map"));
            assertFalse(obj.maps().containsKey("hash_map"));
            assertFalse(Files.exists(pinDir.resolve("bpflux_pinned")));
            BpfException e = assertThrows(BpfException.class, () -> obj.map("hash_map"));
            assertTrue(e.getMessage().contains("no loaded program uses it"), e.getMessage());
        }
    }

    @Test
    void kptrInAMapValueKeepsItsTypeTag() {
        if (!Trigger.kernelHasFunction("bpf_task_acquire")) {
            // Before Linux 6.2 the kfuncs this object calls do not exist: the load must name them.
            BpfException e = assertThrows(BpfException.class, () -> BpfObject.load(
                    BpfObjectTest.CORPUS.resolve("kptr.bpf.o")));
            assertTrue(e.getMessage().contains("bpf_task_acquire") || e.getMessage().contains("bpf_task_release"),
                    e.getMessage());
            return;
        }
        try (BpfObject obj = BpfObject.load(BpfObjectTest.CORPUS.resolve("kptr.bpf.o"),
                LoadOptions.defaults().withVariable("target_tgid", Trigger.tgid()))) {
            int tid = SyscallTrigger.gettid();
            obj.global("target_tid").writeInt(tid);
            try (BpfLink link = obj.program("stash_task").attach()) {
                Trigger.getpid(1);
            }
            byte[] v = obj.map("stash_map").lookup(u32(0));
            ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN);
            long swaps = obj.global("swaps").readLong();
            assertTrue(swaps >= 1);
            assertEquals(swaps, b.getLong(16));
            assertEquals(swaps - 1, obj.global("released").readLong());
            assertEquals(tid, b.getInt(8), "stored_pid is the calling thread's id");
            assertTrue(obj.map("stash_map").info().btfValueTypeId() != 0);
        }
    }

    @Test
    void maxEntriesOverrideAndUnknownNamesAreReported() {
        try (BpfObject obj = BpfObject.load(MAPS, LoadOptions.defaults().withProgramsToLoad("exercise_maps")
                .withPinDirectory(pinDir).withMaxEntries("hash_map", 1000).withMaxEntries("events_rb", 100_000))) {
            assertEquals(1000, obj.map("hash_map").maxEntries());
            assertEquals(128 * 1024, obj.map("events_rb").maxEntries(), "rounded up to a power of two of pages");
        }
        BpfException e = assertThrows(BpfException.class,
                () -> BpfObject.load(MAPS, LoadOptions.defaults().withMaxEntries("nope", 1)));
        assertTrue(e.getMessage().contains("no map 'nope'"), e.getMessage());
        // A Java long that fits the u32 is taken (as C would convert it); one that does not is refused.
        e = assertThrows(BpfException.class,
                () -> BpfObject.load(MAPS, LoadOptions.defaults().withVariable("target_tgid", 1L << 40)));
        assertTrue(e.getMessage().startsWith("cannot set global 'target_tgid'"), e.getMessage());
        assertTrue(e.getMessage().contains("1099511627776"), e.getMessage());
        assertNull(BpfObjectSpec.read(MAPS).program("nope").orElse(null));
    }

    @Test
    void sizesTheObjectLeavesToUserSpaceAreSetThroughTheOptions() {
        Path object = BpfObjectTest.CORPUS.resolve("user_sized_maps.bpf.o");
        BpfException e = assertThrows(BpfException.class, () -> BpfObject.load(object, LoadOptions.defaults()));
        assertTrue(e.getMessage().contains("max entries and value size of 0")
                && e.getMessage().contains("withValueSize(\"stackmap\""), e.getMessage());
        e = assertThrows(BpfException.class, () -> BpfObject.load(object, LoadOptions.defaults()
                .withValueSize("nope", 8)));
        assertTrue(e.getMessage().contains("LoadOptions.withValueSize: no map 'nope'"), e.getMessage());
        try (BpfObject obj = BpfObject.load(object, LoadOptions.defaults()
                .withValueSize("stackmap", 127 * 8).withMaxEntries("stackmap", 1024).withMaxEntries("counts", 64));
             BpfLink link = obj.program("on_getpgid").attach()) {
            assertEquals(127 * 8, obj.map("stackmap").valueSize());
            assertEquals(1024, obj.map("stackmap").maxEntries());
            assertEquals(64, obj.map("counts").maxEntries());
            Trigger.getpgid(20);
            long calls = obj.map("counts").entries().stream()
                    .mapToLong(entry -> ByteBuffer.wrap(entry.value()).order(ByteOrder.LITTLE_ENDIAN).getLong())
                    .sum();
            assertTrue(calls >= 20, "the program counted " + calls + " of 20 getpgid calls by stack id");
        }
    }
}
