package dev.bpflux.map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import dev.bpflux.sys.KernelObjectName;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.bpflux.kernel.PossibleCpus;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** Per-CPU value layout on a gappy possible-CPU mask, without a kernel. */
class PerCpuValuesTest {
    private static final PossibleCpus GAPPY = PossibleCpus.parse("0-1,4-5");

    @Test
    void slotsAreRoundedToEightBytesAndAddressedByCpuId() {
        // value_size 4 -> 8-byte slots; slot i belongs to the i-th possible CPU: 0, 1, 4, 5.
        ByteBuffer raw = ByteBuffer.allocate(8 * 4).order(ByteOrder.nativeOrder());
        raw.putInt(0, 10).putInt(8, 11).putInt(16, 14).putInt(24, 15);
        PerCpuValues v = new PerCpuValues(GAPPY, 4, raw.array());
        assertArrayEquals(new int[] {0, 1, 4, 5}, v.cpus());
        assertEquals(14, MapCodec.NATIVE.toInt(v.get(4)));
        assertEquals(15, MapCodec.NATIVE.toInt(v.get(5)));
        assertThrows(IllegalArgumentException.class, () -> v.get(2));
        assertThrows(IllegalArgumentException.class, () -> new PerCpuValues(GAPPY, 4, new byte[16]));
    }

    @Test
    void buildAndSumCounters() {
        byte[][] perCpu = new byte[4][];
        for (int i = 0; i < 4; i++) {
            perCpu[i] = new byte[12]; // 12-byte value -> 16-byte slots
            ByteBuffer.wrap(perCpu[i]).order(ByteOrder.nativeOrder()).putLong(0, 100L * (i + 1));
        }
        PerCpuValues v = PerCpuValues.of(GAPPY, 12, perCpu);
        assertEquals(16 * 4, v.toBytes().length);
        assertEquals(1000, v.sumLong());
        assertEquals(300, v.getLong(4));
        assertThrows(IllegalArgumentException.class, () -> v.sumLong(8)); // 8 + 8 > 12
    }

    @Test
    void namesAreSanitized() {
        assertEquals("my_map.with_a_v", KernelObjectName.sanitize("my-map.with a very long name"));
        assertEquals("", KernelObjectName.sanitize(null));
    }
}
