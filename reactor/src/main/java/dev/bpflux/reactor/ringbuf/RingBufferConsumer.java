package dev.bpflux.reactor.ringbuf;

import dev.bpflux.reactor.RecordBatch;
import dev.bpflux.reactor.RecordDecoder;
import io.netty.buffer.ByteBuf;
import dev.bpflux.reactor.view.RawMemory;
import dev.bpflux.reactor.view.SharedMemoryView;
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

    private static final boolean RAW = RawMemory.AVAILABLE;

    private final ByteBuffer consumerPage;
    private final long consumerAddress;
    private final long producerAddress;
    private final ByteBuffer producerArea;
    private final int dataOffset;
    private final long mask;
    /** One read-only view over the whole producer area, its indices moved per record. */
    private final SharedMemoryView view;
    private final Batch batch = new Batch();

    /** Our copy of consumer_pos; we are its only writer. */
    private long consumerPos;
    private long discarded;

    /** Whether {@link #drain} runs; where its current run started (position, offset) and its stride. */
    private boolean draining;
    private long runPosition;
    private int runOffset;
    private int runStride;
    /** Set by {@link #relinquish()}: this consumer never publishes again. */
    private boolean relinquished;
    /** A batch was taken and not yet committed. */
    private boolean batchOut;

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
        this.consumerAddress = RAW ? RawMemory.address(consumerPage) : 0;
        this.producerAddress = RAW ? RawMemory.address(producerArea) : 0;
        this.producerArea = producerArea.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.dataOffset = dataOffset;
        this.mask = size - 1;
        this.view = new SharedMemoryView(producerArea);
        this.consumerPos = consumerPositionInMemory();
    }

    // Per-record accesses: raw by address where RawMemory is available (RAW is a constant the
    // JIT folds), else through the ByteBuffers with the same ordering.

    private int headerAt(int offset) {
        return RAW ? RawMemory.getIntAcquire(producerAddress + offset) : (int) INT.getAcquire(producerArea, offset);
    }

    private long producerPositionInMemory() {
        return RAW ? RawMemory.getLongAcquire(producerAddress) : (long) LONG.getAcquire(producerArea, 0);
    }

    private long consumerPositionInMemory() {
        return RAW ? RawMemory.getLongAcquire(consumerAddress) : (long) LONG.getAcquire(consumerPage, 0);
    }

    private void publish(long position) {
        if (relinquished) {
            return;
        }
        if (RAW) {
            RawMemory.putLongRelease(consumerAddress, position);
        } else {
            LONG.setRelease(consumerPage, 0, position);
        }
    }

    long consumerPosition() {
        return consumerPos;
    }

    long producerPosition() {
        return producerPositionInMemory();
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
     * Decodes and emits up to {@code limit} committed records and publishes the consumer position
     * once, when it returns (the values no longer need the bytes: a decoder copies out what it
     * keeps). Discarded records are skipped and not counted. Stops at the producer position read on
     * entry (the caller calls again while {@link #hasData()}), at a busy record, or when {@code out}
     * says stop. A decoder exception propagates with the failing record left unconsumed and the
     * records before it consumed.
     *
     * <p>Shaped for the CPU: records come in runs with the same header (one struct type, the
     * same length), and inside a run the next record starts a fixed stride after the last, so the
     * loop does not wait for one header load before it can address the next (the position chain
     * of a naive loop, and libbpf's, is load, mask, add per record). A run never wraps (it starts
     * inside the data and spans at most its size, which is mapped twice), so inside it the offset
     * just grows. A record whose header differs (another length, busy, discarded) ends the run.
     *
     * <p>Shaped for the JIT, which inlines the subscriber's {@code onNext} into the run loop. A call
     * left in there (a latch at the end of a round, a log line) makes C2 keep the loop's values in
     * stack slots, since a call saves no register: then every value the loop carries is a store and
     * a load per record. So the run loop carries one value, the offset; the position, the count and
     * the bytes are worked out once per run, and the position is published once per call rather
     * than per record (measured: 7.1 to 5.2 ns a record with a latch in {@code onNext}, see
     * docs/performance.md). And every way a run or a call ends (no more data, limit reached, header
     * changed) goes through one branch, computed without branches from the positions and the
     * header, so that branch is taken at least once per call and its profile is never "never
     * taken". C2 turns a never-taken branch into an uncommon trap; when the ring later ran empty or
     * met a busy record for the first time (the common case in a live stream compiled during a
     * drain), the trap threw the compiled loop away and the stream ran interpreted until C2 got to
     * recompile it, which on a loaded machine took up to half a second (and filled the ring).
     *
     * <p>A subscriber that cancels from inside {@code onNext} ({@code take(n)}) may subscribe again
     * before this call returns (a {@code repeat()}), and the new reader starts from the published
     * position: the cancel calls {@link #relinquish()}, which publishes the position past the record
     * being handed on, and this call publishes nothing after it.
     *
     * @param tally receives the payload bytes emitted at index 0 and the records emitted at index 1,
     *     also when a decoder or subscriber throws (added to)
     * @return records emitted
     */
    <T> long drain(long limit, RecordDecoder<T> decoder, RecordSink<? super T> out, long[] tally) {
        final SharedMemoryView v = view;
        final int base = dataOffset;
        final long m = mask;
        final long prod = producerPositionInMemory();
        final long entry = consumerPos;
        long cons = entry;
        long emitted = 0;
        long bytes = 0;
        draining = true;
        try {
            while (true) {
                int off = base + (int) (cons & m);
                // at cons == prod this reads a stale header inside the mapping; it is not used then
                int header = headerAt(off);
                long more = prod ^ cons;
                long room = limit - emitted;
                // sign bit set iff data remains, room remains and the record is not busy (bit 31)
                long go = (more | -more) & (room | -room) & ~(long) header;
                // ... and not discarded (bit 30)
                long emit = go & ~(long) (header << 1);
                int len = header & ~(BUSY_BIT | DISCARD_BIT);
                long stride = (len + HEADER_SIZE + 7) & ~7;
                if (emit >= 0) {
                    if (go >= 0) {
                        break; // empty up to prod, limit reached, or busy
                    }
                    discarded++;
                    cons += stride;
                    continue;
                }
                // a run of committed records with this same header (a record to emit has neither
                // flag bit: the header is its length), up to where the data or the limit ends
                final int run = header;
                final int runStart = off;
                final int step = (int) stride;
                runPosition = cons;
                runOffset = off;
                runStride = step;
                final int runEnd = off + (int) Math.min(prod - cons, Math.min(room, 1L << 32) * stride);
                boolean goOn = false;
                try {
                    while (true) {
                        T value = decoder.decode(v.show(off + HEADER_SIZE, run));
                        off += step;
                        if (!out.accept(value)) {
                            break;
                        }
                        header = headerAt(off);
                        int same = header ^ run;
                        // sign bit set iff off < runEnd and the header is the run's. A break rather
                        // than a do-while condition: C2 kept a dead compare alive for the back-edge
                        // safepoint's state (five instructions a record).
                        if (((off - runEnd) & ~(same | -same)) >= 0) {
                            goOn = true;
                            break;
                        }
                    }
                } finally {
                    // also when a decoder or subscriber throws: what the run emitted is consumed,
                    // the failing record is not (off moves past a record after its decode, before
                    // its onNext)
                    long records = (off - runStart) / step;
                    cons += off - runStart;
                    emitted += records;
                    bytes += records * run;
                }
                if (!goOn) {
                    return emitted;
                }
            }
        } finally {
            draining = false;
            consumerPos = cons;
            if (cons != entry) {
                publish(cons);
            }
            tally[0] += bytes;
            tally[1] += emitted;
        }
        return emitted;
    }

    /**
     * For a cancel: publishes the position past the record being handed on when called from inside
     * {@link #drain} (from the subscriber's {@code onNext}), so that a new reader of the ring can
     * start there at once, and stops this consumer from publishing ever after (the new reader owns
     * the position). From inside a batch's {@code onNext} it commits the batch. Otherwise the
     * position is already published.
     */
    void relinquish() {
        if (relinquished) {
            return;
        }
        if (draining) {
            int shownRecord = view.shownOffset() - HEADER_SIZE;
            long past = runPosition + (shownRecord - runOffset) + runStride;
            consumerPos = past;
            publish(past);
        } else if (batchOut) {
            commitBatch(); // the batch was handed on
        }
        relinquished = true;
    }

    /** Whether {@link #relinquish()} or {@link #close()} ran: this consumer reads and publishes no more. */
    boolean relinquished() {
        return relinquished;
    }

    /**
     * Takes up to {@code maxRecords} committed records as a batch without publishing them, or
     * returns {@code null} when no committed record is there. Leading discarded records are
     * consumed here; the batch is walked once, lazily, by whichever of {@code forEach},
     * {@code size()} or {@link #commitBatch()} comes first (one pass over the headers, as libbpf
     * does), bounded by the producer position read now.
     */
    RecordBatch takeBatch(int maxRecords) {
        long pos = consumerPos;
        long prod = producerPositionInMemory();
        RecordBatch result = null;
        while (true) {
            if (pos == prod) {
                prod = producerPositionInMemory();
                if (pos == prod) {
                    break;
                }
            }
            int header = headerAt(dataOffset + (int) (pos & mask));
            if ((header & BUSY_BIT) != 0) {
                break;
            }
            if ((header & DISCARD_BIT) == 0) {
                batch.set(pos, prod, maxRecords);
                batchOut = true;
                result = batch;
                break;
            }
            discarded++;
            pos += (((header & ~DISCARD_BIT) + HEADER_SIZE + 7) & ~7);
        }
        if (pos != consumerPos) {
            consumerPos = pos;
            publish(pos);
        }
        return result;
    }

    /** Publishes the consumer position past the batch last returned by {@link #takeBatch}. */
    void commitBatch() {
        if (!batchOut) {
            return; // relinquish() committed it
        }
        batchOut = false;
        batch.walk(null);
        consumerPos = batch.end;
        publish(batch.end);
    }

    /** Invalidates the view and publishes nothing more; call once, after the reader left and before unmapping. */
    void close() {
        relinquished = true;
        batchOut = false;
        view.invalidate();
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
            final SharedMemoryView v = view;
            long pos = start;
            if (walked) {
                if (action == null) {
                    return;
                }
                final long stop = end;
                while (pos != stop) {
                    int off = dataOffset + (int) (pos & mask);
                    int header = headerAt(off);
                    int len = header & ~(BUSY_BIT | DISCARD_BIT);
                    pos += (len + HEADER_SIZE + 7) & ~7;
                    if ((header & DISCARD_BIT) == 0) {
                        action.accept(v.show(off + HEADER_SIZE, len));
                    }
                }
                return;
            }
            int n = 0;
            long total = 0;
            long skipped = 0;
            final long stop = limit;
            final int most = max;
            final int base = dataOffset;
            final long m = mask;
            try {
                // the shape of drain(): runs of equal headers at a fixed stride carrying only the
                // offset, one exit branch
                while (true) {
                    int off = base + (int) (pos & m);
                    int header = headerAt(off);
                    long more = stop ^ pos;
                    long room = most - n;
                    long go = (more | -more) & (room | -room) & ~(long) header;
                    long take = go & ~(long) (header << 1);
                    int len = header & ~(BUSY_BIT | DISCARD_BIT);
                    long stride = (len + HEADER_SIZE + 7) & ~7;
                    if (take >= 0) {
                        if (go >= 0) {
                            break; // at the limit position, max records, or busy
                        }
                        skipped++;
                        pos += stride;
                        continue;
                    }
                    final int first = header;
                    final int step = (int) stride;
                    final int runEnd = off + (int) Math.min(stop - pos, room * stride);
                    final int runStart = off;
                    try {
                        while (true) {
                            if (action != null) {
                                action.accept(v.show(off + HEADER_SIZE, first));
                            }
                            off += step;
                            header = headerAt(off);
                            int same = header ^ first;
                            if (((off - runEnd) & ~(same | -same)) >= 0) {
                                break;
                            }
                        }
                    } finally {
                        // also when the action throws: the batch goes up to the record it saw
                        int records = (off - runStart) / step;
                        pos += off - runStart;
                        n += records;
                        total += (long) records * first;
                    }
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
