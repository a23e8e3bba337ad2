package dev.bpflux.reactor.ringbuf;

import dev.bpflux.reactor.RecordBatch;
import dev.bpflux.reactor.RecordDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

/**
 * The consumer side of one {@code BPF_MAP_TYPE_RINGBUF}, reading records in place from its
 * mapping. Not thread-safe: one reader thread at a time (the poll loop), and the caller guarantees
 * the memory stays mapped while a method runs.
 *
 * <p>Kernel ABI (kernel/bpf/ringbuf.c, Linux 5.8): the map fd is mmap'd as
 * <ul>
 *   <li>offset 0, one page, read-write: {@code unsigned long consumer_pos} at byte 0;</li>
 *   <li>offset pagesize, read-only: one page with {@code unsigned long producer_pos} at byte 0,
 *       then the {@code max_entries} data bytes mapped twice back to back, so a record that wraps
 *       the end is still contiguous in our address space.</li>
 * </ul>
 * A record is an 8-byte header {@code u32 len; u32 pg_off} followed by {@code len} bytes, padded to
 * 8 bytes. Bit 31 of {@code len} (BPF_RINGBUF_BUSY_BIT) is set while the producer still writes it;
 * bit 30 (BPF_RINGBUF_DISCARD_BIT) marks a record the producer discarded, which the consumer skips.
 *
 * <p>Ordering: the producer advances {@code producer_pos} at reserve time and clears the busy bit
 * with a release store at commit, so we acquire-load {@code producer_pos} and then each header;
 * our release store of {@code consumer_pos} tells the producer the space is free only after we
 * finished reading it. Positions only grow (they are free-running byte counters).
 */
final class RingBufferConsumer {
    static final int BUSY_BIT = 1 << 31;
    static final int DISCARD_BIT = 1 << 30;
    static final int HEADER_SIZE = 8;

    private static final VarHandle LONG =
            MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT =
            MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private final ByteBuffer consumerPage;
    private final ByteBuffer producerArea;
    private final int dataOffset;
    private final long mask;
    /** One read-only view over the whole data area, its indices moved per record. */
    private final ByteBuf view;
    private final ByteBuf wrapped;
    private final Batch batch = new Batch();

    /** Our copy of consumer_pos; we are its only writer. */
    private long consumerPos;
    private long discarded;

    /**
     * @param consumerPage the read-write consumer page (at least 8 bytes)
     * @param producerArea the read-only mapping: producer page ({@code dataOffset} bytes) followed by
     *     the data area mapped twice ({@code 2 * size} bytes)
     * @param dataOffset where the data starts in {@code producerArea} (the page size)
     * @param size the data size ({@code max_entries}), a power of two
     */
    RingBufferConsumer(ByteBuffer consumerPage, ByteBuffer producerArea, int dataOffset, int size) {
        if (Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("ring buffer size must be a power of two: " + size);
        }
        if (producerArea.capacity() < dataOffset + 2L * size) {
            throw new IllegalArgumentException("producer area of " + producerArea.capacity()
                    + " bytes cannot hold a page of " + dataOffset + " and twice " + size + " data bytes");
        }
        this.consumerPage = consumerPage;
        this.producerArea = producerArea.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.dataOffset = dataOffset;
        this.mask = size - 1;
        this.wrapped = Unpooled.wrappedBuffer(producerArea.duplicate().asReadOnlyBuffer());
        // a decoder releasing the view by mistake must not break the next record
        this.view = Unpooled.unreleasableBuffer(wrapped);
        this.consumerPos = (long) LONG.getAcquire(consumerPage, 0);
    }

    long consumerPosition() {
        return consumerPos;
    }

    long producerPosition() {
        return (long) LONG.getAcquire(producerArea, 0);
    }

    /** Whether a record (possibly still busy) lies between the consumer and producer positions. */
    boolean hasData() {
        return producerPosition() != consumerPos;
    }

    /** Bytes between the consumer and producer positions. */
    long pendingBytes() {
        return producerPosition() - consumerPos;
    }

    /** Discarded records skipped so far. */
    long discarded() {
        return discarded;
    }

    /**
     * Decodes and emits up to {@code limit} committed records, publishing the consumer position
     * after each decode (before {@code onNext}, since the value no longer needs the bytes).
     * Discarded records are skipped and not counted. Stops at an empty ring or a busy record.
     * A decoder exception propagates with the failing record left unconsumed.
     *
     * @param tally receives the payload bytes emitted, at index 0 (added to)
     * @return records emitted
     */
    <T> long drain(long limit, RecordDecoder<T> decoder, RecordSink<? super T> out, long[] tally) {
        final ByteBuffer area = producerArea;
        final ByteBuffer cpage = consumerPage;
        final ByteBuf v = view;
        long cons = consumerPos;
        long prod = (long) LONG.getAcquire(area, 0);
        long emitted = 0;
        long bytes = 0;
        try {
            while (emitted < limit) {
                if (cons == prod) {
                    prod = (long) LONG.getAcquire(area, 0);
                    if (cons == prod) {
                        break;
                    }
                }
                int off = dataOffset + (int) (cons & mask);
                int header = (int) INT.getAcquire(area, off);
                if ((header & BUSY_BIT) != 0) {
                    break;
                }
                int len = header & ~(BUSY_BIT | DISCARD_BIT);
                long next = cons + ((len + HEADER_SIZE + 7) & ~7);
                if ((header & DISCARD_BIT) != 0) {
                    discarded++;
                    cons = next;
                    LONG.setRelease(cpage, 0, cons);
                    continue;
                }
                v.setIndex(off + HEADER_SIZE, off + HEADER_SIZE + len);
                T value = decoder.decode(v);
                cons = next;
                LONG.setRelease(cpage, 0, cons);
                emitted++;
                bytes += len;
                if (!out.accept(value)) {
                    break;
                }
            }
        } finally {
            consumerPos = cons;
            tally[0] += bytes;
        }
        return emitted;
    }

    /**
     * Takes up to {@code maxRecords} committed records as a batch without publishing them, or
     * returns {@code null} when no committed record is there. Leading discarded records are
     * consumed here; the batch is walked once, lazily, by whichever of {@code forEach},
     * {@code size()} or {@link #commitBatch()} comes first (one pass over the headers, as libbpf
     * does), bounded by the producer position read now.
     */
    RecordBatch takeBatch(int maxRecords) {
        final ByteBuffer area = producerArea;
        long pos = consumerPos;
        long prod = (long) LONG.getAcquire(area, 0);
        RecordBatch result = null;
        while (true) {
            if (pos == prod) {
                prod = (long) LONG.getAcquire(area, 0);
                if (pos == prod) {
                    break;
                }
            }
            int header = (int) INT.getAcquire(area, dataOffset + (int) (pos & mask));
            if ((header & BUSY_BIT) != 0) {
                break;
            }
            if ((header & DISCARD_BIT) == 0) {
                batch.set(pos, prod, maxRecords);
                result = batch;
                break;
            }
            discarded++;
            pos += (((header & ~DISCARD_BIT) + HEADER_SIZE + 7) & ~7);
        }
        if (pos != consumerPos) {
            consumerPos = pos;
            LONG.setRelease(consumerPage, 0, pos);
        }
        return result;
    }

    /** Publishes the consumer position past the batch last returned by {@link #takeBatch}. */
    void commitBatch() {
        batch.walk(null);
        consumerPos = batch.end;
        LONG.setRelease(consumerPage, 0, batch.end);
    }

    /** Releases the view; call once, after the reader left and before unmapping. */
    void close() {
        // the wrapped buffer does not own the memory: this only marks it released for leak tracking
        wrapped.release();
    }

    /** Where {@link #drain} hands decoded values. */
    interface RecordSink<T> {
        /** Takes a value; returns whether to go on (false once the subscriber cancelled). */
        boolean accept(T value);
    }

    private final class Batch implements RecordBatch {
        long start;
        long limit;
        int max;
        boolean walked;
        long end;
        int count;
        long bytes;

        void set(long start, long limit, int max) {
            this.start = start;
            this.limit = limit;
            this.max = max;
            this.walked = false;
        }

        /**
         * The first walk decides the batch (stops at the producer position read by takeBatch, a
         * busy record or {@code max} records) and hands each record to {@code action} if any;
         * later walks replay exactly that range.
         */
        void walk(Consumer<? super ByteBuf> action) {
            final ByteBuffer area = producerArea;
            final ByteBuf v = view;
            long pos = start;
            if (walked) {
                if (action == null) {
                    return;
                }
                final long stop = end;
                while (pos != stop) {
                    int off = dataOffset + (int) (pos & mask);
                    int header = area.getInt(off);
                    int len = header & ~(BUSY_BIT | DISCARD_BIT);
                    pos += (len + HEADER_SIZE + 7) & ~7;
                    if ((header & DISCARD_BIT) == 0) {
                        v.setIndex(off + HEADER_SIZE, off + HEADER_SIZE + len);
                        action.accept(v);
                    }
                }
                return;
            }
            int n = 0;
            long total = 0;
            long skipped = 0;
            final long stop = limit;
            final int most = max;
            try {
                while (pos != stop && n < most) {
                    int off = dataOffset + (int) (pos & mask);
                    int header = (int) INT.getAcquire(area, off);
                    if ((header & BUSY_BIT) != 0) {
                        break;
                    }
                    int len = header & ~DISCARD_BIT;
                    long next = pos + ((len + HEADER_SIZE + 7) & ~7);
                    if ((header & DISCARD_BIT) != 0) {
                        skipped++;
                    } else {
                        if (action != null) {
                            v.setIndex(off + HEADER_SIZE, off + HEADER_SIZE + len);
                            action.accept(v);
                        }
                        n++;
                        total += len;
                    }
                    pos = next;
                }
            } finally {
                // an action that throws still leaves a consistent batch: up to the record it saw
                end = pos;
                count = n;
                bytes = total;
                discarded += skipped;
                walked = true;
            }
        }

        @Override
        public int size() {
            walk(null);
            return count;
        }

        @Override
        public long bytes() {
            walk(null);
            return bytes;
        }

        @Override
        public void forEach(Consumer<? super ByteBuf> action) {
            walk(java.util.Objects.requireNonNull(action, "action"));
        }

        @Override
        public String toString() {
            return walked ? "RecordBatch[" + count + " records, " + bytes + " bytes]" : "RecordBatch[not read yet]";
        }
    }
}
