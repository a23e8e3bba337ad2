package dev.bpflux.reactor.perf;

import dev.bpflux.reactor.RecordDecoder;
import dev.bpflux.reactor.view.SharedMemoryView;
import dev.bpflux.sys.MappedMemory;
import dev.bpflux.sys.OwnedFd;
import io.netty.buffer.ByteBuf;
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
    /** The read-only view decoders see of a sample in place. */
    private final SharedMemoryView view;
    /** Where samples that wrap the end are copied (grown on demand, reused), and its view. */
    private ByteBuffer scratch;
    private SharedMemoryView scratchView;
    private long tail;

    PerfCpuBuffer(int cpu, OwnedFd event, MappedMemory mapping, int pageSize, int dataPages) {
        this.cpu = cpu;
        this.event = event;
        this.mapping = mapping;
        this.memory = mapping.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        this.dataOffset = pageSize;
        this.size = pageSize * dataPages;
        this.mask = size - 1;
        this.view = new SharedMemoryView(memory);
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
                    ByteBuf sample = sample(off, recordSize);
                    int length = sample.readableBytes();
                    T value = decoder.decode(sample);
                    t += recordSize;
                    LONG.setRelease(m, DATA_TAIL, t);
                    emitted++;
                    counts[1] += length;
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

    /**
     * The raw data of the sample record at {@code off}, in place or copied when it wraps the end:
     * the body after the 8-byte header is {@code u32 size} then the data, clamped to the record.
     */
    private ByteBuf sample(int off, int recordSize) {
        int body = recordSize - 8;
        if (body < 4) {
            throw new IllegalStateException("perf buffer of CPU " + cpu + " has a sample record of " + recordSize
                    + " bytes, too short for its size field: the buffer is corrupt");
        }
        int bodyOff = (int) ((off + 8) & mask);
        long rawSize = Integer.toUnsignedLong(readInt(bodyOff));
        int length = (int) Math.min(rawSize, body - 4);
        if (bodyOff + body <= size) {
            return view.show(dataOffset + bodyOff + 4, length);
        }
        if (scratch == null || scratch.capacity() < body) {
            scratch = ByteBuffer.allocateDirect(Math.max(body, 256));
            scratchView = new SharedMemoryView(scratch);
        }
        int first = size - bodyOff;
        scratch.put(0, memory, dataOffset + bodyOff, first);
        scratch.put(first, memory, dataOffset, body - first);
        return scratchView.show(4, length);
    }

    private int readInt(int off) {
        int v = 0;
        for (int i = 0; i < 4; i++) {
            v |= (memory.get(dataOffset + (int) ((off + i) & mask)) & 0xff) << (8 * i);
        }
        return v;
    }

    private long readLong(int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v |= (long) (memory.get(dataOffset + (int) ((off + i) & mask)) & 0xff) << (8 * i);
        }
        return v;
    }

    void close() {
        view.invalidate();
        if (scratchView != null) {
            scratchView.invalidate();
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
