package dev.bpflux.reactor.ringbuf;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A ring buffer laid out exactly like the kernel's mapping (consumer page; producer page then the
 * data area twice), in ordinary direct memory, with a producer that follows the kernel's protocol
 * (reserve advances producer_pos with the busy bit set, commit clears it with a release store).
 * It lets the consumer algorithm be tested on states the kernel makes rarely: busy records,
 * wrap-around at every offset, discards between records.
 */
final class SimulatedRing {
    static final int PAGE = 4096;
    private static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    final int size;
    final ByteBuffer consumerPage = ByteBuffer.allocateDirect(PAGE);
    final ByteBuffer producerArea;
    private long producerPos;

    SimulatedRing(int size) {
        this.size = size;
        this.producerArea = ByteBuffer.allocateDirect(PAGE + 2 * size);
    }

    RingBufferConsumer consumer() {
        return new RingBufferConsumer(consumerPage, producerArea.asReadOnlyBuffer(), PAGE, size);
    }

    long consumerPos() {
        return (long) LONG.getAcquire(consumerPage, 0);
    }

    /** Reserves a record of {@code len} bytes; returns its position, or -1 when the ring is full. */
    long reserve(int len) {
        long total = (len + 8 + 7) & ~7L;
        if (producerPos + total - consumerPos() > size) {
            return -1;
        }
        long pos = producerPos;
        putInt(pos, len | RingBufferConsumer.BUSY_BIT);
        putInt(pos + 4, 0);
        producerPos += total;
        LONG.setRelease(producerArea, 0, producerPos);
        return pos;
    }

    /** Writes payload byte {@code i} of the record at {@code pos}. */
    void put(long pos, int i, byte b) {
        int index = (int) ((pos + 8 + i) & (size - 1));
        producerArea.put(PAGE + index, b);
        producerArea.put(PAGE + size + index, b);
    }

    void putLong(long pos, int i, long v) {
        for (int k = 0; k < 8; k++) {
            put(pos, i + k, (byte) (v >>> (8 * k)));
        }
    }

    void commit(long pos, int len, boolean discard) {
        int header = len | (discard ? RingBufferConsumer.DISCARD_BIT : 0);
        int index = (int) (pos & (size - 1));
        INT.setRelease(producerArea, PAGE + index, header);
        INT.setRelease(producerArea, PAGE + size + index, header);
    }

    private void putInt(long pos, int v) {
        int index = (int) (pos & (size - 1));
        producerArea.order(ByteOrder.LITTLE_ENDIAN).putInt(PAGE + index, v);
        producerArea.order(ByteOrder.LITTLE_ENDIAN).putInt(PAGE + size + index, v);
    }

    /** Writes and commits a record whose payload is {@code seq} (8 bytes) followed by {@code len - 8} bytes of {@code seq}. */
    boolean offer(long seq, int len, boolean discard) {
        long pos = reserve(len);
        if (pos < 0) {
            return false;
        }
        putLong(pos, 0, seq);
        for (int i = 8; i < len; i++) {
            put(pos, i, (byte) seq);
        }
        commit(pos, len, discard);
        return true;
    }
}
