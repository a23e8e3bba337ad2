package dev.bpflux.map;

import dev.bpflux.testing.TestPins;
import dev.bpflux.obj.MapType;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.BpfException;
import dev.bpflux.BpfNotSupportedException;
import dev.bpflux.BpfPermissionException;
import dev.bpflux.BpfSyscallException;
import dev.bpflux.kernel.FeatureProbes;
import dev.bpflux.kernel.PossibleCpus;
import dev.bpflux.sys.Errno;
import dev.bpflux.sys.MappedMemory;
import dev.bpflux.testing.KernelTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

@KernelTest
class MapOperationsTest {
    private static final MapCodec C = MapCodec.NATIVE;

    private static BpfMap hash(int max) {
        return BpfMap.create(MapDefinition.builder(MapType.HASH).keySize(4).valueSize(8).maxEntries(max)
                .name("ops").build());
    }

    private static void fill(BpfMap map, int n) {
        for (int i = 0; i < n; i++) {
            map.update(C.ofInt(i), C.ofLong(i * 10L));
        }
    }

    @Test
    void keysVisitEveryKeyOnce() {
        try (BpfMap map = hash(64)) {
            fill(map, 50);
            Set<Integer> seen = new HashSet<>();
            for (byte[] k : map.keys()) {
                assertTrue(seen.add(C.toInt(k)), "duplicate key " + C.toInt(k));
            }
            assertEquals(50, seen.size());
        }
    }

    @Test
    void deletingTheCurrentKeyWhileIteratingStillVisitsEveryKey() {
        try (BpfMap map = hash(64)) {
            fill(map, 40);
            Set<Integer> seen = new HashSet<>();
            for (byte[] k : map.keys()) {
                assertTrue(seen.add(C.toInt(k)));
                assertTrue(map.delete(k));
            }
            assertEquals(40, seen.size());
            assertNull(map.nextKey(null), "map is empty");
        }
    }

    @Test
    void batchLookupUpdateDeleteAndTheirFallback() {
        for (boolean batch : new boolean[] {true, false}) {
            try (BpfMap map = hash(5000)) {
                if (!batch) {
                    map.disableBatch();
                }
                List<BpfMap.Entry> entries = new ArrayList<>();
                for (int i = 0; i < 4500; i++) {
                    entries.add(new BpfMap.Entry(C.ofInt(i), C.ofLong(i + 1L)));
                }
                map.updateAll(entries, MapFlags.BPF_ANY);
                List<BpfMap.Entry> read = map.entries();
                assertEquals(4500, read.size());
                long sum = 0;
                for (BpfMap.Entry e : read) {
                    assertEquals(C.toInt(e.key()) + 1L, C.toLong(e.value()));
                    sum += C.toLong(e.value());
                }
                assertEquals(4500L * 4501 / 2, sum);

                List<byte[]> toDelete = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    toDelete.add(C.ofInt(i));
                }
                assertEquals(1000, map.deleteAll(toDelete));
                assertEquals(3500, map.entries().size());
                assertNull(map.lookup(C.ofInt(10)));
                assertEquals(1001, C.toLong(map.lookup(C.ofInt(1000))));
                assertEquals(batch, map.batchSupported(), "batch path taken: " + batch);
            }
        }
    }

    @Test
    void batchOnArrayMap() {
        try (BpfMap map = BpfMap.create(MapDefinition.builder(MapType.ARRAY).keySize(4).valueSize(8).maxEntries(100)
                .name("arr").build())) {
            List<BpfMap.Entry> entries = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                entries.add(new BpfMap.Entry(C.ofInt(i), C.ofLong(i * 3L)));
            }
            map.updateAll(entries, MapFlags.BPF_ANY);
            List<BpfMap.Entry> read = map.entries();
            assertEquals(100, read.size());
            assertEquals(297, C.toLong(read.get(99).value()));
        }
    }

    @Test
    void perCpuValuesFollowPossibleCpus() {
        PossibleCpus cpus = PossibleCpus.system();
        try (BpfMap map = BpfMap.create(MapDefinition.builder(MapType.PERCPU_ARRAY).keySize(4).valueSize(4)
                .maxEntries(2).name("pcpu").build())) {
            // value size 4 rounds up to an 8-byte slot per CPU
            assertEquals(8 * cpus.count(), map.valueBufferSize());
            byte[][] values = new byte[cpus.count()][];
            for (int i = 0; i < values.length; i++) {
                values[i] = C.ofInt(100 + cpus.ids()[i]);
            }
            map.updatePerCpu(C.ofInt(1), PerCpuValues.of(cpus, 4, values), MapFlags.BPF_ANY);
            PerCpuValues read = map.lookupPerCpu(C.ofInt(1));
            assertArrayEquals(cpus.ids(), read.cpus());
            for (int cpu : cpus.ids()) {
                assertEquals(100 + cpu, C.toInt(read.get(cpu)));
            }
            assertThrows(IllegalArgumentException.class, () -> map.update(C.ofInt(0), C.ofInt(1)));
        }
        try (BpfMap map = BpfMap.create(MapDefinition.builder(MapType.PERCPU_HASH).keySize(4).valueSize(8)
                .maxEntries(2).name("pcpu_sum").build())) {
            byte[][] values = new byte[cpus.count()][];
            long expected = 0;
            for (int i = 0; i < values.length; i++) {
                values[i] = C.ofLong(1000L + i);
                expected += 1000L + i;
            }
            map.updatePerCpu(C.ofInt(7), PerCpuValues.of(cpus, 8, values), MapFlags.BPF_NOEXIST);
            assertEquals(expected, map.lookupPerCpu(C.ofInt(7)).sumLong());
            assertEquals(1000L, map.lookupPerCpu(C.ofInt(7)).getLong(cpus.ids()[0]));
        }
    }

    @Test
    void pinOpenPinnedAndFromId() throws Exception {
        Path dir = TestPins.newDirectory("bpflux-map");
        Path pin = dir.resolve("m");
        try (BpfMap map = hash(8)) {
            map.update(C.ofInt(1), C.ofLong(11));
            map.pin(pin);
            BpfSyscallException again = assertThrows(BpfSyscallException.class, () -> map.pin(pin));
            assertTrue(again.getMessage().contains("EEXIST"), again.getMessage());
            try (BpfMap opened = BpfMap.openPinned(pin)) {
                assertEquals("ops", opened.name());
                assertEquals(MapType.HASH, opened.type());
                assertEquals(11, C.toLong(opened.lookup(C.ofInt(1))));
                assertEquals(map.info().id(), opened.info().id());
            }
            try (BpfMap byId = BpfMap.fromId(map.info().id())) {
                assertEquals(11, C.toLong(byId.lookup(C.ofInt(1))));
            }
        } finally {
            Files.deleteIfExists(pin);
            Files.delete(dir);
        }
        BpfSyscallException missing = assertThrows(BpfSyscallException.class, () -> BpfMap.openPinned(pin));
        assertTrue(missing.getMessage().startsWith("BPF_OBJ_GET failed with ENOENT (2)"), missing.getMessage());
    }

    @Test
    void frozenMapRejectsUserSpaceWrites() {
        try (BpfMap map = hash(4)) {
            map.update(C.ofInt(1), C.ofLong(1));
            map.freeze();
            assertThrows(BpfPermissionException.class, () -> map.update(C.ofInt(1), C.ofLong(2)));
            assertEquals(1, C.toLong(map.lookup(C.ofInt(1))));
        }
    }

    @Test
    void mmapableArraySharesMemoryWithTheMap() {
        try (BpfMap map = BpfMap.create(MapDefinition.builder(MapType.ARRAY).keySize(4).valueSize(8).maxEntries(16)
                .flags(MapFlags.BPF_F_MMAPABLE).name("data").build())) {
            MappedMemory mem = map.mmap(true);
            try (mem) {
                assertEquals(8 * 16, mem.length());
                mem.putLong(8 * 3, 0x1234L);
                assertEquals(0x1234L, C.toLong(map.lookup(C.ofInt(3))));
                map.update(C.ofInt(5), C.ofLong(77));
                assertEquals(77, mem.getLong(8 * 5));
            }
            assertThrows(BpfException.class, () -> mem.getLong(0));
        }
        try (BpfMap plain = hash(4)) {
            assertThrows(BpfException.class, () -> plain.mmap(false));
        }
        // 4-byte values sit 8 bytes apart.
        try (BpfMap ints = BpfMap.create(MapDefinition.builder(MapType.ARRAY).keySize(4).valueSize(4).maxEntries(3)
                .flags(MapFlags.BPF_F_MMAPABLE).name("ints").build()); MappedMemory mem = ints.mmap(false)) {
            assertEquals(8, ints.mmapStride());
            ints.update(C.ofInt(2), C.ofInt(0x77));
            assertEquals(0x77, mem.getInt(2L * ints.mmapStride()));
        }
    }

    @Test
    void lookupAndDeleteOnHashAndQueue() {
        try (BpfMap map = hash(4)) {
            map.update(C.ofInt(3), C.ofLong(33));
            assertEquals(33, C.toLong(map.lookupAndDelete(C.ofInt(3))));
            assertNull(map.lookup(C.ofInt(3)));
            assertNull(map.lookupAndDelete(C.ofInt(3)));
        }
        try (BpfMap queue = BpfMap.create(MapDefinition.builder(MapType.QUEUE).keySize(0).valueSize(8).maxEntries(4)
                .name("q").build())) {
            queue.update(new byte[0], C.ofLong(1));
            queue.update(new byte[0], C.ofLong(2));
            assertEquals(1, C.toLong(queue.lookupAndDelete(new byte[0])));
            assertEquals(2, C.toLong(queue.lookupAndDelete(new byte[0])));
            assertNull(queue.lookupAndDelete(new byte[0]));
        }
    }

    @Test
    void badDefinitionsGiveClearErrors() {
        BpfSyscallException e = assertThrows(BpfSyscallException.class, () -> BpfMap.create(
                MapDefinition.builder(MapType.HASH).keySize(0).valueSize(8).maxEntries(1).name("bad").build()));
        assertTrue(e.getMessage().startsWith("BPF_MAP_CREATE of BPF_MAP_TYPE_HASH 'bad' failed with EINVAL (22): "
                + "Invalid argument; check key size 0"), e.getMessage());
        assertFalse(e instanceof BpfPermissionException);
    }

    @Test
    void namesAreSanitizedAndTruncated() {
        try (BpfMap map = BpfMap.create(MapDefinition.builder(MapType.ARRAY).keySize(4).valueSize(4).maxEntries(1)
                .name("my-map.with a very long name").build())) {
            assertEquals("my_map.with_a_v", map.info().name());
        }
    }

    @Test
    void unsupportedMapTypeNamesTheKernelVersion() {
        // CGRP_STORAGE (6.2) needs BTF; BLOOM_FILTER (5.16) a zero key: both probe-able everywhere.
        MapDefinition bloom = MapDefinition.builder(MapType.BLOOM_FILTER).keySize(0).valueSize(8).maxEntries(16)
                .name("bloom").build();
        if (dev.bpflux.kernel.KernelVersion.current().atLeast(5, 16)) {
            try (BpfMap map = BpfMap.create(bloom)) {
                map.update(new byte[0], C.ofLong(42));
            }
        } else {
            BpfNotSupportedException e = assertThrows(BpfNotSupportedException.class, () -> BpfMap.create(bloom));
            assertEquals("BPF_MAP_TYPE_BLOOM_FILTER is not supported by this kernel: map type "
                    + "BPF_MAP_TYPE_BLOOM_FILTER needs Linux 5.16 or later", e.getMessage());
        }
        // A type number beyond what this kernel knows: an arena on kernels before 6.9, otherwise the
        // same path exercised with arena's own definition (it needs no key or value). Some machines
        // with 6.9+ refuse arenas to root with EPERM (a sandbox policy): then the message must say
        // that privilege is not what is missing.
        MapDefinition arena = MapDefinition.builder(MapType.ARENA).maxEntries(1).flags(MapFlags.BPF_F_MMAPABLE)
                .name("arena").build();
        if (dev.bpflux.kernel.KernelVersion.current().atLeast(6, 9)) {
            if (FeatureProbes.system().mapTypeErrno(MapType.ARENA) == Errno.EPERM) {
                BpfPermissionException e = assertThrows(BpfPermissionException.class, () -> BpfMap.create(arena));
                assertEquals(Errno.EPERM, e.errno());
                assertEquals("BPF_MAP_CREATE of BPF_MAP_TYPE_ARENA 'arena' failed with EPERM (1): Operation not permitted; "
                        + "this process already has CAP_SYS_ADMIN or CAP_BPF+CAP_PERFMON, so missing privilege is not "
                        + "the cause: a security policy on this machine (an LSM such as SELinux, AppArmor or the BPF LSM, "
                        + "kernel lockdown, seccomp, or a container or sandbox policy) refused it", e.getMessage());
                System.out.println("BPF_MAP_TYPE_ARENA refused here: " + e.getMessage());
            } else {
                try (BpfMap map = BpfMap.create(arena)) {
                    assertEquals(MapType.ARENA, map.info().type());
                }
            }
        } else {
            BpfNotSupportedException e = assertThrows(BpfNotSupportedException.class, () -> BpfMap.create(arena));
            assertEquals("BPF_MAP_TYPE_ARENA is not supported by this kernel: map type BPF_MAP_TYPE_ARENA needs "
                    + "Linux 6.9 or later", e.getMessage());
        }
    }
}
