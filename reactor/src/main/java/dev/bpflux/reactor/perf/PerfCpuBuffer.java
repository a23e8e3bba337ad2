package dev.bpflux.reactor.perf;

import dev.bpflux.reactor.RecordDecoder;
import dev.bpflux.sys.MappedMemory;
import dev.bpflux.sys.OwnedFd;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One CPU's perf buffer: its perf event fd and the mapping of its metadata page plus
 * {@code 2^n} data pages. Not thread-safe: read on the loop thread only, while mapped.
 *
 * <p>Kernel ABI (linux/perf_event.h, struct perf_event_mmap_page): {@code u64 data_head} at byte
 * 1024 (written by the kernel; acquire-load it), {@code u64 data_tail} at 1032 (ours; release-store
 * it after reading so the kernel may reuse the space). Records are {@code struct perf_event_header
 * {u32 type; u16 misc; u16 size}}, 8-byte aligned, and unlike a BPF ring buffer the data pages are
 * mapped once, so a record may wrap the end: those are copied, the rest read in place.
 * {@code PERF_RECORD_SAMPLE} (9) with {@code PERF_SAMPLE_RAW} carries {@code u32 size; u8 data[size]};
 * {@code PERF_RECORD_LOST} (2) carries {@code u64 id; u64 lost}.
 */
final class PerfCpuBuffer {
    static final int DATA_HEAD = 1024;
    static final int DATA_TAIL = 1032;
    static final int PERF_RECORD_LOST = 2;
    static final int PERF_RECORD_SAMPLE = 9;

    private static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    final int cpu;
    private final OwnedFd event;
    private final MappedMemory mapping;
    private final ByteBuffer memory;
    private final int dataOffset;
    private final long mask;
    private final int size;
    private final ByteBuf wrapped;
    private final ByteBuf view;
    /** Where records that wrap the end are copied (grown on demand, reused). */
    private ByteBuf scratch;
    private long tail;

    PerfCpuBuffer(int cpu, OwnedFd event, MappedMemory mapping, int pageSize, int dataPages) {
        this.cpu = cpu;
        this.event = event;
        this.mapping = mapping;
        this.memory = mapping.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        this.dataOffset = pageSize;
        this.size = pageSize * dataPages;
        this.mask = size - 1;
        this.wrapped = Unpooled.wrappedBuffer(mapping.asByteBuffer().asReadOnlyBuffer());
        this.view = Unpooled.unreleasableBuffer(wrapped);
        this.tail = (long) LONG.getAcquire(memory, DATA_TAIL);
    }

    int fd() {
        return event.fd();
    }

    boolean hasData() {
        return (long) LONG.getAcquire(memory, DATA_HEAD) != tail;
    }

    /**
     * Decodes up to {@code limit} samples, publishing data_tail after each record.
     *
     * @param counts out: [0] samples emitted, [1] payload bytes, [2] records lost (from LOST records)
     * @return false when the sink stopped
     */
    <T> boolean drain(long limit, RecordDecoder<? extends T> decoder, Sink<? super T> sink, long[] counts) {
        final ByteBuffer m = memory;
        long head = (long) LONG.getAcquire(m, DATA_HEAD);
        long t = tail;
        long emitted = 0;
        try {
            while (t != head && emitted < limit) {
                int off = (int) (t & mask);
                // headers are 8-byte aligned and 8 bytes long: never split by the end
                int type = m.getInt(dataOffset + off);
                int recordSize = m.getShort(dataOffset + off + 6) & 0xffff;
                if (recordSize < 8) {
                    throw new IllegalStateException("perf buffer of CPU " + cpu + " has a record of size "
                            + recordSize + " at " + t + ": the buffer is corrupt");
                }
                if (type == PERF_RECORD_SAMPLE) {
                    ByteBuf record = record(off, recordSize);
                    int rawSize = record.getIntLE(record.readerIndex());
                    record.setIndex(record.readerIndex() + 4, record.readerIndex() + 4 + Math.min(rawSize, recordSize - 12));
                    T value = decoder.decode(record);
                    t += recordSize;
                    LONG.setRelease(m, DATA_TAIL, t);
                    emitted++;
                    counts[1] += rawSize;
                    if (!sink.accept(value)) {
                        return false;
                    }
                } else {
                    if (type == PERF_RECORD_LOST) {
                        long lost = readLong(off + 16);
                        counts[2] += lost;
                        t += recordSize;
                        LONG.setRelease(m, DATA_TAIL, t);
                        if (!sink.lost(lost)) {
                            return false;
                        }
                        continue;
                    }
                    t += recordSize; // other record types: nothing for us
                    LONG.setRelease(m, DATA_TAIL, t);
                }
            }
            return true;
        } finally {
            tail = t;
            counts[0] += emitted;
        }
    }

    /** The record body after its 8-byte header, in place or copied when it wraps. */
    private ByteBuf record(int off, int recordSize) {
        int body = recordSize - 8;
        int bodyOff = (int) ((off + 8) & mask);
        if (bodyOff + body <= size) {
            return view.setIndex(dataOffset + bodyOff, dataOffset + bodyOff + body);
        }
        if (scratch == null || scratch.capacity() < body) {
            if (scratch != null) {
                scratch.release();
            }
            scratch = Unpooled.directBuffer(Math.max(body, 256));
        }
        scratch.clear();
        int first = size - bodyOff;
        scratch.writeBytes(wrapped, dataOffset + bodyOff, first);
        scratch.writeBytes(wrapped, dataOffset, body - first);
        return scratch;
    }

    private long readLong(int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v |= (long) (memory.get(dataOffset + (int) ((off + i) & mask)) & 0xff) << (8 * i);
        }
        return v;
    }

    void close() {
        wrapped.release();
        if (scratch != null) {
            scratch.release();
        }
        mapping.close();
        event.close();
    }

    /** Where decoded samples and lost counts go. */
    interface Sink<T> {
        boolean accept(T value);

        boolean lost(long count);
    }
}
