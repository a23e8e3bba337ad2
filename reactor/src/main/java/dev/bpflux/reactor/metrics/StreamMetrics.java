package dev.bpflux.reactor.metrics;

/**
 * Receives what a stream read, once per poll (never per record, so a registry costs little at
 * high rates). Called on the reader thread; implementations must be cheap and thread-safe.
 */
public interface StreamMetrics {

    /** A poll emitted {@code records} records of {@code bytes} payload bytes in total. */
    void received(long records, long bytes);

    /** The producer reported {@code count} records it could not write (ring full, perf records lost). */
    void dropped(long count);

    /** The consumer skipped {@code count} records the producer had discarded. */
    void discarded(long count);

    /** Metrics that go nowhere. */
    static StreamMetrics none() {
        return None.INSTANCE;
    }

    /** The no-op implementation. */
    enum None implements StreamMetrics {
        INSTANCE;

        @Override
        public void received(long records, long bytes) {
        }

        @Override
        public void dropped(long count) {
        }

        @Override
        public void discarded(long count) {
        }
    }
}
