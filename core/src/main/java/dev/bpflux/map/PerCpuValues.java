package dev.bpflux.map;

import dev.bpflux.kernel.PossibleCpus;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The values of one per-CPU map entry: one slot per possible CPU, each {@code round_up(valueSize, 8)}
 * bytes, in ascending CPU id order (the kernel copies them with {@code for_each_possible_cpu}).
 * Immutable; addressed by CPU id, which may have gaps (possible mask {@code 0-3,8-11}).
 */
public final class PerCpuValues {
    private final PossibleCpus cpus;
    private final int valueSize;
    private final int slotSize;
    private final byte[] raw;

    /** Wraps raw lookup bytes; {@code raw} must be {@code round_up(valueSize, 8) * cpus.count()} long. */
    public PerCpuValues(PossibleCpus cpus, int valueSize, byte[] raw) {
        this.cpus = cpus;
        this.valueSize = valueSize;
        this.slotSize = (valueSize + 7) & ~7;
        if (raw.length != slotSize * cpus.count()) {
            throw new IllegalArgumentException("per-CPU value buffer must be " + slotSize * cpus.count() + " bytes ("
                    + slotSize + " x " + cpus.count() + " possible CPUs), got " + raw.length);
        }
        this.raw = raw.clone();
    }

    /** Values built from one value per possible CPU, in {@link PossibleCpus#ids()} order. */
    public static PerCpuValues of(PossibleCpus cpus, int valueSize, byte[][] perCpu) {
        int slot = (valueSize + 7) & ~7;
        if (perCpu.length != cpus.count()) {
            throw new IllegalArgumentException("need one value per possible CPU (" + cpus.count() + "), got "
                    + perCpu.length);
        }
        byte[] raw = new byte[slot * cpus.count()];
        for (int i = 0; i < perCpu.length; i++) {
            if (perCpu[i].length != valueSize) {
                throw new IllegalArgumentException("value " + i + " must be " + valueSize + " bytes");
            }
            System.arraycopy(perCpu[i], 0, raw, i * slot, valueSize);
        }
        return new PerCpuValues(cpus, valueSize, raw);
    }

    /** Possible CPU ids, ascending. */
    public int[] cpus() {
        return cpus.ids();
    }

    /** The value bytes of CPU {@code cpu}. */
    public byte[] get(int cpu) {
        int slot = cpus.slotOf(cpu);
        if (slot < 0) {
            throw new IllegalArgumentException("CPU " + cpu + " is not a possible CPU (" + cpus + ")");
        }
        byte[] v = new byte[valueSize];
        System.arraycopy(raw, slot * slotSize, v, 0, valueSize);
        return v;
    }

    /** The first 8 bytes of CPU {@code cpu}'s value as a native-order long (a counter). */
    public long getLong(int cpu) {
        requireAtLeast(8);
        int slot = cpus.slotOf(cpu);
        if (slot < 0) {
            throw new IllegalArgumentException("CPU " + cpu + " is not a possible CPU (" + cpus + ")");
        }
        return ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder()).getLong(slot * slotSize);
    }

    /** Sum over CPUs of the native-order long at {@code offset} of each value (counters). */
    public long sumLong(int offset) {
        if (offset < 0 || offset + 8 > valueSize) {
            throw new IllegalArgumentException("offset " + offset + " + 8 outside value of " + valueSize + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder());
        long sum = 0;
        for (int i = 0; i < cpus.count(); i++) {
            sum += b.getLong(i * slotSize + offset);
        }
        return sum;
    }

    /** Sum of the first long of every CPU's value. */
    public long sumLong() {
        return sumLong(0);
    }

    /** The raw buffer as the kernel lays it out (a copy). */
    public byte[] toBytes() {
        return raw.clone();
    }

    private void requireAtLeast(int n) {
        if (valueSize < n) {
            throw new IllegalArgumentException("value of " + valueSize + " bytes is shorter than " + n);
        }
    }
}
