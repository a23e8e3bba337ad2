package dev.bpflux.reactor.ringbuf;

import dev.bpflux.reactor.RecordBatch;
import dev.bpflux.reactor.RecordDecoder;
import java.util.concurrent.Callable;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

/**
 * The {@code Flux} of {@link RingBufferReceiver#receive} and {@link RingBufferReceiver#receiveBatches}:
 * each subscription opens its own {@link RingBufferReader}, which is the subscriber's
 * {@code Subscription} and ends itself (unmap, close the source) on cancel or error. So nothing
 * sits between the reader and the subscriber: a {@code Flux.using} layer was one more call and type
 * check per record, 0.9 ns of 7 (docs/performance.md).
 */
final class RingBufferFlux<T> extends Flux<T> {
    private final Callable<? extends RingBufferSource> sources;
    private final RingBufferOptions options;
    /** The record decoder, or {@code null} for a stream of batches. */
    private final RecordDecoder<? extends T> decoder;

    RingBufferFlux(Callable<? extends RingBufferSource> sources, RingBufferOptions options,
            RecordDecoder<? extends T> decoder) {
        this.sources = sources;
        this.options = options;
        this.decoder = decoder;
    }

    @Override
    @SuppressWarnings("unchecked") // T is RecordBatch when decoder is null (receiveBatches)
    public void subscribe(CoreSubscriber<? super T> actual) {
        RingBufferReader<T> reader;
        try {
            reader = RingBufferReader.open(sources.call(), options);
        } catch (Throwable t) {
            Exceptions.throwIfJvmFatal(t);
            Operators.error(actual, Operators.onOperatorError(t, actual.currentContext()));
            return;
        }
        if (decoder == null) {
            reader.subscribeBatches((CoreSubscriber<? super RecordBatch>) actual);
        } else {
            reader.subscribeRecords(actual, decoder);
        }
    }
}
