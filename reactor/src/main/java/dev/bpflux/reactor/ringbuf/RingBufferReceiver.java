package dev.bpflux.reactor.ringbuf;

import dev.bpflux.map.BpfMap;
import dev.bpflux.reactor.RecordBatch;
import dev.bpflux.reactor.RecordDecoder;
import java.util.Objects;
import java.util.concurrent.Callable;
import reactor.core.publisher.Flux;

/**
 * Streams a {@code BPF_MAP_TYPE_RINGBUF} (Linux 5.8+) as a cold {@link Flux}, reading records in
 * place from the mapped ring.
 *
 * <pre>{@code
 * Flux<Long> seqs = RingBufferReceiver.create(ringBufferMap, RingBufferOptions.create())
 *         .receive(record -> record.getLongLE(record.readerIndex()));
 * }</pre>
 *
 * <p>Each subscription maps the ring, registers it with a reader loop and reads only while
 * downstream has demand: with no demand nothing is read, the ring fills and the BPF program's
 * {@code bpf_ringbuf_reserve} fails (count those failures in the program, see
 * {@code docs/streams.md}). Cancel, error or completion unmap and close everything exactly once,
 * after the reader thread left the ring.
 *
 * <h2>Minimum kernel version</h2>
 * Linux 5.8 ({@code BPF_MAP_TYPE_RINGBUF} and its mmap interface).
 */
public final class RingBufferReceiver {
    private final Callable<? extends RingBufferSource> sources;
    private final RingBufferOptions options;

    private RingBufferReceiver(Callable<? extends RingBufferSource> sources, RingBufferOptions options) {
        this.sources = Objects.requireNonNull(sources, "sources");
        this.options = Objects.requireNonNull(options, "options");
    }

    /** A receiver of a ring buffer map the caller owns (the stream does not close the map). */
    public static RingBufferReceiver create(BpfMap ringBuffer, RingBufferOptions options) {
        return create(RingBufferSource.of(ringBuffer), options);
    }

    /** A receiver of the ring of {@code ring}, closed with each stream's end when the source owns something. */
    public static RingBufferReceiver create(RingBufferSource ring, RingBufferOptions options) {
        Objects.requireNonNull(ring, "ring");
        return new RingBufferReceiver(() -> ring, options);
    }

    /**
     * A receiver that calls {@code onSubscribe} at each subscription (e.g. to load and attach the
     * program that fills the ring) and closes what it returned after the ring was unmapped.
     */
    public static RingBufferReceiver create(Callable<? extends RingBufferSource> onSubscribe, RingBufferOptions options) {
        return new RingBufferReceiver(onSubscribe, options);
    }

    public RingBufferOptions options() {
        return options;
    }

    /**
     * One element per record: {@code decoder} reads the record in place (the view is reused for
     * the next record once it returned: return a value, not the view). The consumer position moves
     * past the records of one read of up to {@link RingBufferOptions#batchSize()} records when the
     * reader is done with them, and past the record handed on at once when the subscriber cancels
     * from inside {@code onNext}. Discarded records are skipped. A decoder that throws ends the
     * stream with {@code onError}, its record unconsumed.
     */
    public <T> Flux<T> receive(RecordDecoder<T> decoder) {
        Objects.requireNonNull(decoder, "decoder");
        return new RingBufferFlux<T>(sources, options, decoder).name(options.name());
    }

    /**
     * One element per batch of up to {@link RingBufferOptions#batchSize()} records; each
     * {@code request(1)} allows one batch. The consumer position is published once per batch,
     * after {@code onNext} returned, so a batch is only valid during {@code onNext}.
     */
    public Flux<RecordBatch> receiveBatches() {
        return new RingBufferFlux<RecordBatch>(sources, options, null).name(options.name());
    }

    @Override
    public String toString() {
        return "RingBufferReceiver[" + options + "]";
    }
}
