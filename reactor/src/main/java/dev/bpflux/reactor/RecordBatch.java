package dev.bpflux.reactor;

import io.netty.buffer.ByteBuf;
import java.util.function.Consumer;

/**
 * The records a reader took from a buffer in one go, each seen through a reused read-only
 * {@link ByteBuf} view of kernel-shared memory.
 *
 * <p>A batch is valid only while the {@code onNext} that delivered it runs: the consumer position
 * is published once, after {@code onNext} returns, and from then on the kernel may overwrite the
 * records. So a subscriber reads a batch synchronously (no {@code publishOn} before reading it)
 * and copies what it keeps ({@link RecordDecoder#copy()} through {@link #decodeEach}). The batch
 * object itself is reused for the next batch.
 */
public interface RecordBatch {

    /** The number of records (discarded records are not counted and never shown). */
    int size();

    /** Total payload bytes of the records, headers excluded. */
    long bytes();

    /**
     * Calls {@code action} with a view of each record in order. The view is reused, see
     * {@link RecordDecoder} for what a view allows.
     */
    void forEach(Consumer<? super ByteBuf> action);

    /** Decodes each record in order and hands the value to {@code sink}. */
    default <T> void decodeEach(RecordDecoder<T> decoder, Consumer<? super T> sink) {
        forEach(record -> sink.accept(decoder.decode(record)));
    }
}
