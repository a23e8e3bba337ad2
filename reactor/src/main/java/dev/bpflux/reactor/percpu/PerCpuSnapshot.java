package dev.bpflux.reactor.percpu;

import dev.bpflux.map.PerCpuValues;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * One reading of every entry of a per-CPU map. Immutable.
 *
 * <p>Counters are read as native-order u64s at a byte offset of each CPU's value (offset 0 for a
 * plain {@code u64} map, {@code offsetof(struct, field)} for a struct). Deltas compare with the
 * snapshot the same subscriber received before (zero for an entry that was not there).
 */
public final class PerCpuSnapshot {
    private final long sequence;
    private final long nanoTime;
    private final List<Entry> entries;
    private final Map<Key, Entry> byKey;

    PerCpuSnapshot(long sequence, long nanoTime, List<Entry> entries, Map<Key, Entry> byKey) {
        this.sequence = sequence;
        this.nanoTime = nanoTime;
        this.entries = Collections.unmodifiableList(entries);
        this.byKey = byKey;
    }

    /** 0 for the first snapshot of a subscription, then 1, 2, ... */
    public long sequence() {
        return sequence;
    }

    /** {@link System#nanoTime()} when the map was read. */
    public long nanoTime() {
        return nanoTime;
    }

    /** The entries in the order the kernel returned them. */
    public List<Entry> entries() {
        return entries;
    }

    /** The entry under {@code key}, or {@code null}. */
    public Entry entry(byte[] key) {
        return byKey.get(new Key(key));
    }

    /** The entry under a native-order {@code u32} key (array index, tid...), or {@code null}. */
    public Entry entry(int key) {
        return entry(ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(key).array());
    }

    /** Sum over all entries and CPUs of the u64 at {@code offset}. */
    public long total(int offset) {
        long t = 0;
        for (Entry e : entries) {
            t += e.sum(offset);
        }
        return t;
    }

    @Override
    public String toString() {
        return "PerCpuSnapshot[#" + sequence + ", " + entries.size() + " entries]";
    }

    /** One key's values on every possible CPU, with the previous reading for deltas. */
    public static final class Entry {
        private final byte[] key;
        private final PerCpuValues values;
        private final PerCpuValues previous;

        Entry(byte[] key, PerCpuValues values, PerCpuValues previous) {
            this.key = key;
            this.values = values;
            this.previous = previous;
        }

        public byte[] key() {
            return key.clone();
        }

        /** The raw per-CPU values. */
        public PerCpuValues values() {
            return values;
        }

        /** The u64 at {@code offset} of each possible CPU's value, in {@link PerCpuValues#cpus()} order. */
        public long[] perCpu(int offset) {
            int[] cpus = values.cpus();
            long[] out = new long[cpus.length];
            for (int i = 0; i < cpus.length; i++) {
                out[i] = u64(values, cpus[i], offset);
            }
            return out;
        }

        /** Sum over CPUs of the u64 at {@code offset}. */
        public long sum(int offset) {
            return values.sumLong(offset);
        }

        /** Sum over CPUs of the u64 at offset 0. */
        public long sum() {
            return sum(0);
        }

        /** {@link #sum(int)} minus the previous snapshot's (the whole sum for a new entry). */
        public long delta(int offset) {
            return sum(offset) - (previous == null ? 0 : previous.sumLong(offset));
        }

        /** {@link #delta(int)} at offset 0. */
        public long delta() {
            return delta(0);
        }

        /** Per CPU: the u64 at {@code offset} minus the previous snapshot's. */
        public long[] perCpuDelta(int offset) {
            long[] now = perCpu(offset);
            if (previous != null) {
                int[] cpus = previous.cpus();
                for (int i = 0; i < cpus.length; i++) {
                    now[i] -= u64(previous, cpus[i], offset);
                }
            }
            return now;
        }

        private static long u64(PerCpuValues v, int cpu, int offset) {
            return ByteBuffer.wrap(v.get(cpu)).order(ByteOrder.nativeOrder()).getLong(offset);
        }

        @Override
        public String toString() {
            return "Entry[key=" + Arrays.toString(key) + ", sum=" + sum() + ", delta=" + delta() + "]";
        }
    }

    /** A byte[] key with value equality. */
    record Key(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key && Arrays.equals(bytes, ((Key) o).bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }
}
