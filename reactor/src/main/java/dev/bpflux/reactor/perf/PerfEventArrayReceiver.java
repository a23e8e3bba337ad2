package dev.bpflux.reactor.perf;

import dev.bpflux.map.BpfMap;
import dev.bpflux.reactor.RecordDecoder;
import java.util.Objects;
import java.util.function.LongFunction;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

/**
 * Streams a {@code BPF_MAP_TYPE_PERF_EVENT_ARRAY} (what {@code bpf_perf_event_output} writes) as
 * a cold {@link Flux}.
 *
 * <pre>{@code
 * Flux<Event> events = PerfEventArrayReceiver.create(eventsMap, PerfBufferOptions.create())
 *         .receive(r -> Event.decode(r), lost -> Event.lost(lost));
 * }</pre>
 *
 * <p>Each subscription opens a perf event per online CPU, maps its buffer ({@link
 * PerfBufferOptions#pagesPerCpu()} data pages), stores the fd in the map at the CPU's index, and
 * reads only while there is demand. When a CPU's buffer is full the kernel counts the records it
 * could not write and later writes one {@code PERF_RECORD_LOST}: pass {@code onLost} to get those
 * counts as elements of the stream (so received + lost == produced), or read them from the
 * metrics ({@code dropped}). Cancel, error or completion remove the fds from the map, unmap and
 * close everything exactly once, after the reader thread left the buffers.
 *
 * <h2>Minimum kernel version</h2>
 * Linux 4.4 ({@code PERF_COUNT_SW_BPF_OUTPUT}).
 */
public final class PerfEventArrayReceiver {
    private final BpfMap map;
    private final PerfBufferOptions options;

    private PerfEventArrayReceiver(BpfMap map, PerfBufferOptions options) {
        this.map = Objects.requireNonNull(map, "map");
        this.options = Objects.requireNonNull(options, "options");
    }

    /** A receiver of a perf event array the caller owns; its max_entries must cover every online CPU. */
    public static PerfEventArrayReceiver create(BpfMap perfEventArray, PerfBufferOptions options) {
        Objects.requireNonNull(options, "options").checkAgainst(PerfBufferReader.pageSize());
        return new PerfEventArrayReceiver(perfEventArray, options);
    }

    /** Samples decoded in place (copied first only when one wraps the buffer end); lost counts go to the metrics. */
    public <T> Flux<T> receive(RecordDecoder<T> decoder) {
        return receive(decoder, null);
    }

    /**
     * Samples decoded in place, and for each {@code PERF_RECORD_LOST} the element
     * {@code onLost.apply(lostCount)}, in the order the kernel wrote them on that CPU.
     */
    public <T> Flux<T> receive(RecordDecoder<T> decoder, LongFunction<? extends T> onLost) {
        Objects.requireNonNull(decoder, "decoder");
        return Flux.using(() -> PerfBufferReader.<T>open(map, options),
                        reader -> Flux.<T>from(s -> reader.subscribe(Operators.toCoreSubscriber(s), decoder, onLost)),
                        PerfBufferReader::close)
                .name(options.name());
    }
}
