package dev.bpflux.reactor.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Objects;

/**
 * {@link StreamMetrics} as Micrometer meters, named after Reactor's metrics conventions and tagged
 * with the stream's {@code name} (the same name as {@code Flux.name()}) plus any extra tags:
 * <ul>
 *   <li>{@code bpflux.stream.received} (counter, records)</li>
 *   <li>{@code bpflux.stream.bytes} (counter, payload bytes)</li>
 *   <li>{@code bpflux.stream.dropped} (counter, records the producer could not write)</li>
 *   <li>{@code bpflux.stream.discarded} (counter, records the producer discarded)</li>
 *   <li>{@code bpflux.stream.poll.records} (distribution summary: records per poll, i.e. batch sizes)</li>
 * </ul>
 * Needs {@code io.micrometer:micrometer-core} on the class path.
 */
public final class MicrometerStreamMetrics implements StreamMetrics {
    private final Counter received;
    private final Counter bytes;
    private final Counter dropped;
    private final Counter discarded;
    private final DistributionSummary pollRecords;

    private MicrometerStreamMetrics(MeterRegistry registry, Tags tags) {
        received = Counter.builder("bpflux.stream.received").baseUnit("records").tags(tags).register(registry);
        bytes = Counter.builder("bpflux.stream.bytes").baseUnit("bytes").tags(tags).register(registry);
        dropped = Counter.builder("bpflux.stream.dropped").baseUnit("records").tags(tags).register(registry);
        discarded = Counter.builder("bpflux.stream.discarded").baseUnit("records").tags(tags).register(registry);
        pollRecords = DistributionSummary.builder("bpflux.stream.poll.records").baseUnit("records").tags(tags)
                .register(registry);
    }

    /** Meters in {@code registry} tagged {@code name=<name>} and {@code tags} (key, value pairs). */
    public static MicrometerStreamMetrics of(MeterRegistry registry, String name, String... tags) {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(name, "name");
        return new MicrometerStreamMetrics(registry, Tags.of("name", name).and(tags));
    }

    @Override
    public void received(long records, long bytes) {
        received.increment(records);
        this.bytes.increment(bytes);
        pollRecords.record(records);
    }

    @Override
    public void dropped(long count) {
        dropped.increment(count);
    }

    @Override
    public void discarded(long count) {
        discarded.increment(count);
    }
}
