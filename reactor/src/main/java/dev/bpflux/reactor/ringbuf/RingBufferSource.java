package dev.bpflux.reactor.ringbuf;

/**
 * The ring buffer map a stream reads, and whatever the stream should close after it unmapped the
 * ring (the loaded object and its links, when an on-subscribe hook loaded them for this stream).
 *
 * <p>A stream asks its {@code Callable<RingBufferSource>} for one at each subscription and closes
 * it exactly once, after the reader thread left the ring and the ring was unmapped.
 */
public interface RingBufferSource extends AutoCloseable {

    /** The fd of a {@code BPF_MAP_TYPE_RINGBUF} map; stays open until {@link #close()}. */
    int mapFd();

    /** The map's {@code max_entries}: its data size in bytes, a power of two and a multiple of the page size. */
    int size();

    /** Releases what the source owns. The default owns nothing (the map belongs to the caller). */
    @Override
    default void close() {
    }

    /** A source over a map the caller owns and closes; the stream does not close it. */
    static RingBufferSource of(int mapFd, int size) {
        return new RingBufferSource() {
            @Override
            public int mapFd() {
                return mapFd;
            }

            @Override
            public int size() {
                return size;
            }
        };
    }
}
