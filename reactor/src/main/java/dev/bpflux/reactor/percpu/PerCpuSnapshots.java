package dev.bpflux.reactor.percpu;

import dev.bpflux.BpfException;
import dev.bpflux.kernel.PossibleCpus;
import dev.bpflux.map.BpfMap;
import dev.bpflux.map.PerCpuValues;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Snapshots of a per-CPU map at an interval.
 *
 * <pre>{@code
 * PerCpuSnapshots.of(countersMap, Duration.ofSeconds(1))
 *         .map(s -> s.entry(0).delta())      // calls per second on all CPUs
 *         .subscribe(System.out::println);
 * }</pre>
 *
 * <p>Hash maps are read with {@code BPF_MAP_LOOKUP_BATCH} where the kernel has it (5.6) and with a
 * key walk otherwise (see {@link BpfMap#entries()}). Ticks that come while the subscriber has no
 * demand are dropped, never queued, so a slow subscriber gets fewer snapshots and memory stays
 * bounded; deltas are always against the snapshot it received before.
 *
 * <h2>Minimum kernel version</h2>
 * 4.6 (per-CPU hash and array maps), 4.10 for LRU per-CPU hash.
 */
public final class PerCpuSnapshots {
    private PerCpuSnapshots() {
    }

    /** Snapshots every {@code interval}, the first at once, read on {@link Schedulers#parallel()}. */
    public static Flux<PerCpuSnapshot> of(BpfMap map, Duration interval) {
        return of(map, interval, Schedulers.parallel());
    }

    /** Snapshots every {@code interval}, the first at once, timed and read on {@code scheduler}. */
    public static Flux<PerCpuSnapshot> of(BpfMap map, Duration interval, Scheduler scheduler) {
        Objects.requireNonNull(map, "map");
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(scheduler, "scheduler");
        if (!map.isPerCpu()) {
            throw new BpfException(map.fd().what() + " is not a per-CPU map (type "
                    + (map.type() == null ? map.typeNumber() : map.type().kernelName())
                    + "): read it with BpfMap.entries() instead");
        }
        return Flux.defer(() -> {
            Reader reader = new Reader(map, PossibleCpus.system());
            return Flux.interval(Duration.ZERO, interval, scheduler)
                    .onBackpressureDrop()
                    .map(tick -> reader.read());
        }).name("percpu:" + map.name());
    }

    /** Reads one snapshot now (no deltas: the entries' previous values are absent). */
    public static PerCpuSnapshot readOnce(BpfMap map) {
        return new Reader(map, PossibleCpus.system()).read();
    }

    /** Per subscription: remembers the last values for deltas. */
    private static final class Reader {
        private final BpfMap map;
        private final PossibleCpus cpus;
        private Map<PerCpuSnapshot.Key, PerCpuValues> previous = Map.of();
        private long sequence;

        Reader(BpfMap map, PossibleCpus cpus) {
            this.map = map;
            this.cpus = cpus;
        }

        PerCpuSnapshot read() {
            long now = System.nanoTime();
            List<BpfMap.Entry> raw = map.entries();
            List<PerCpuSnapshot.Entry> entries = new ArrayList<>(raw.size());
            Map<PerCpuSnapshot.Key, PerCpuSnapshot.Entry> byKey = new HashMap<>();
            Map<PerCpuSnapshot.Key, PerCpuValues> values = new HashMap<>();
            for (BpfMap.Entry e : raw) {
                PerCpuSnapshot.Key key = new PerCpuSnapshot.Key(e.key());
                PerCpuValues v = new PerCpuValues(cpus, map.valueSize(), e.value());
                PerCpuSnapshot.Entry entry = new PerCpuSnapshot.Entry(e.key(), v, previous.get(key));
                entries.add(entry);
                byKey.put(key, entry);
                values.put(key, v);
            }
            previous = values;
            return new PerCpuSnapshot(sequence++, now, entries, byKey);
        }
    }
}
