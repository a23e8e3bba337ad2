package dev.bpflux.map;

import dev.bpflux.obj.MapType;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bpflux.testing.KernelTest;
import org.junit.jupiter.api.Test;

/**
 * Element operation cost from Java (one bpf(2) each), printed for docs/performance.md; asserts
 * the values read back are the ones written.
 */
@KernelTest
class MapThroughputTest {
    private static final MapCodec C = MapCodec.NATIVE;
    private static final int OPS = 200_000;

    @Test
    void lookupAndUpdateRates() {
        try (BpfMap map = BpfMap.create(MapDefinition.builder(MapType.HASH).keySize(4).valueSize(8)
                .maxEntries(1024).name("rate").build())) {
            byte[][] keys = new byte[1024][];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = C.ofInt(i);
                map.update(keys[i], C.ofLong(i));
            }
            for (int round = 0; round < 2; round++) { // the first round warms up the JIT
                long t0 = System.nanoTime();
                long sum = 0;
                for (int i = 0; i < OPS; i++) {
                    sum += C.toLong(map.lookup(keys[i & 1023]));
                }
                long lookupNs = (System.nanoTime() - t0) / OPS;
                assertEquals((long) (OPS / 1024) * (1023 * 1024 / 2) + partial(OPS % 1024), sum);
                t0 = System.nanoTime();
                byte[] v = C.ofLong(5);
                for (int i = 0; i < OPS; i++) {
                    map.update(keys[i & 1023], v);
                }
                long updateNs = (System.nanoTime() - t0) / OPS;
                assertEquals(5, C.toLong(map.lookup(keys[1023])));
                for (int i = 0; i < keys.length; i++) {
                    map.update(keys[i], C.ofLong(i));
                }
                System.out.printf("round %d: lookup %d ns/op, update %d ns/op (hash map, 4-byte key, 8-byte value)%n",
                        round, lookupNs, updateNs);
            }
        }
    }

    private static long partial(int n) {
        return (long) n * (n - 1) / 2;
    }
}
