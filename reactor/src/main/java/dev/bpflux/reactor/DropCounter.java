package dev.bpflux.reactor;

import dev.bpflux.BpfException;
import dev.bpflux.kernel.PossibleCpus;
import dev.bpflux.map.BpfMap;
import dev.bpflux.map.PerCpuValues;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Objects;
import reactor.core.publisher.Flux;

/**
 * Reads the counter a BPF program keeps of the records it could not write, so the drops that
 * backpressure causes are visible next to the stream.
 *
 * <p>Why a counter: a ring buffer stream reads nothing while its subscriber has no demand; the
 * ring fills and the producer's {@code bpf_ringbuf_reserve} returns NULL. Only the program knows,
 * so the pattern is a global it increments on that path ({@code if (!r) { dropped++; return 0; }},
 * which clang puts in {@code .bss}, an array map with one element) or a per-CPU array slot, read
 * here:
 *
 * <pre>{@code
 * DropCounter drops = DropCounter.ofArrayValue(bssMap, droppedOffset);
 * drops.changes(Duration.ofSeconds(1)).subscribe(n -> log.warn("{} events dropped", n));
 * }</pre>
 */
public final class DropCounter {
    private final BpfMap map;
    private final byte[] key;
    private final int offset;
    private final boolean perCpu;

    private DropCounter(BpfMap map, byte[] key, int offset, boolean perCpu) {
        this.map = map;
        this.key = key;
        this.offset = offset;
        this.perCpu = perCpu;
    }

    /**
     * The native-order u64 at byte {@code offset} of element 0 of an array map, e.g. a
     * {@code .bss} global at its offset in the section.
     */
    public static DropCounter ofArrayValue(BpfMap map, int offset) {
        Objects.requireNonNull(map, "map");
        if (map.isPerCpu()) {
            throw new BpfException(map.fd().what() + " is per-CPU: use DropCounter.ofPerCpuArray");
        }
        if (offset < 0 || offset + 8 > map.valueSize()) {
            throw new BpfException("drop counter offset " + offset + " does not fit a u64 in the "
                    + map.valueSize() + "-byte value of " + map.fd().what());
        }
        return new DropCounter(map, new byte[map.keySize()], offset, false);
    }

    /** The u64 at {@code offset} of element {@code index} of a per-CPU array, summed over CPUs. */
    public static DropCounter ofPerCpuArray(BpfMap map, int index, int offset) {
        Objects.requireNonNull(map, "map");
        if (!map.isPerCpu()) {
            throw new BpfException(map.fd().what() + " is not per-CPU: use DropCounter.ofArrayValue");
        }
        if (offset < 0 || offset + 8 > map.valueSize()) {
            throw new BpfException("drop counter offset " + offset + " does not fit a u64 in the "
                    + map.valueSize() + "-byte value of " + map.fd().what());
        }
        byte[] key = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(index).array();
        return new DropCounter(map, key, offset, true);
    }

    /** The counter now (one map lookup). */
    public long read() {
        if (perCpu) {
            byte[] raw = map.lookup(key);
            return raw == null ? 0 : new PerCpuValues(PossibleCpus.system(), map.valueSize(), raw).sumLong(offset);
        }
        byte[] v = map.lookup(key);
        return v == null ? 0 : ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getLong(offset);
    }

    /**
     * The drops since subscription, checked every {@code interval}: emits the number of new drops
     * whenever it grew. Ticks without demand are skipped (the next emission includes them).
     */
    public Flux<Long> changes(Duration interval) {
        return Flux.defer(() -> {
            long[] last = {read()};
            return Flux.interval(interval)
                    .onBackpressureDrop()
                    .map(tick -> {
                        long now = read();
                        long delta = now - last[0];
                        last[0] = now;
                        return delta;
                    })
                    .filter(delta -> delta > 0);
        });
    }
}
