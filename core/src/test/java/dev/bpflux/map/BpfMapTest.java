package dev.bpflux.map;

import dev.bpflux.obj.MapType;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.BpfSyscallException;
import dev.bpflux.testing.KernelTest;
import org.junit.jupiter.api.Test;

@KernelTest
class BpfMapTest {
    private static final MapCodec C = MapCodec.NATIVE;

    private static BpfMap hash(int max) {
        return BpfMap.create(MapDefinition.builder(MapType.HASH).keySize(4).valueSize(8).maxEntries(max)
                .name("test_hash").build());
    }

    @Test
    void createLookupUpdateDelete() {
        try (BpfMap map = hash(16)) {
            assertNull(map.lookup(C.ofInt(1)));
            map.update(C.ofInt(1), C.ofLong(42));
            assertEquals(42, C.toLong(map.lookup(C.ofInt(1))));
            map.update(C.ofInt(1), C.ofLong(43), MapFlags.BPF_EXIST);
            assertEquals(43, C.toLong(map.lookup(C.ofInt(1))));

            BpfSyscallException exists = assertThrows(BpfSyscallException.class,
                    () -> map.update(C.ofInt(1), C.ofLong(0), MapFlags.BPF_NOEXIST));
            assertEquals(17, exists.errno());
            assertTrue(exists.getMessage().startsWith("BPF_MAP_UPDATE_ELEM on map 'test_hash' failed with EEXIST (17): "
                    + "File exists; the key exists"), exists.getMessage());

            byte[] out = new byte[8];
            assertTrue(map.lookupInto(C.ofInt(1), out));
            assertEquals(43, C.toLong(out));
            assertFalse(map.lookupInto(C.ofInt(2), out));

            assertTrue(map.delete(C.ofInt(1)));
            assertFalse(map.delete(C.ofInt(1)));
            assertNull(map.lookup(C.ofInt(1)));
        }
    }

    @Test
    void infoReflectsDefinition() {
        try (BpfMap map = hash(16)) {
            MapInfo info = map.info();
            assertEquals(MapType.HASH, info.type());
            assertEquals(4, info.keySize());
            assertEquals(8, info.valueSize());
            assertEquals(16, info.maxEntries());
            assertEquals("test_hash", info.name());
            assertTrue(info.id() > 0);
        }
    }

    @Test
    void arrayElementsAlwaysExist() {
        try (BpfMap map = BpfMap.create(MapDefinition.builder(MapType.ARRAY).keySize(4).valueSize(4).maxEntries(4)
                .name("arr").build())) {
            assertArrayEquals(new byte[4], map.lookup(C.ofInt(3)));
            assertNull(map.lookup(C.ofInt(4)));
            map.update(C.ofInt(2), C.ofInt(7));
            assertEquals(7, C.toInt(map.lookup(C.ofInt(2))));
        }
    }
}
