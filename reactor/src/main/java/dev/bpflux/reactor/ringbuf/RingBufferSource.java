package dev.bpflux.reactor.ringbuf;

import dev.bpflux.map.BpfMap;
import java.util.Objects;

/**
 * The ring buffer map a stream reads (or, for a {@link UserRingBufferSender}, writes), and
 * whatever the stream should close after it unmapped the ring (the loaded object and its links,
 * when an on-subscribe hook loaded them for this stream).
 *
 * <p>A stream asks its {@code Callable<RingBufferSource>} for one at each subscription and closes
 * it exactly once, after the reader thread left the ring and the ring was unmapped.
 */
public interface RingBufferSource extends AutoCloseable {

    /**
     * A {@code BPF_MAP_TYPE_RINGBUF} map ({@code BPF_MAP_TYPE_USER_RINGBUF} for a sender); must stay
     * open until {@link #close()}.
     */
    BpfMap ringBuffer();

    /** Releases what the source owns. The default owns nothing (the map belongs to the caller). */
    @Override
    default void close() {
    }

    /** A source over a map the caller owns and closes; the stream does not close it. */
    static RingBufferSource of(BpfMap ringBuffer) {
        Objects.requireNonNull(ringBuffer, "ringBuffer");
        return () -> ringBuffer;
    }

    /**
     * A source over {@code ringBuffer} that closes {@code owner} (e.g. the loaded object holding
     * the map and the attached program) when the stream ends.
     */
    static RingBufferSource of(BpfMap ringBuffer, AutoCloseable owner) {
        Objects.requireNonNull(ringBuffer, "ringBuffer");
        Objects.requireNonNull(owner, "owner");
        return new RingBufferSource() {
            @Override
            public BpfMap ringBuffer() {
                return ringBuffer;
            }

            @Override
            public void close() {
                try {
                    owner.close();
                } catch (RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IllegalStateException("closing " + owner + " failed", e);
                }
            }
        };
    }
}
