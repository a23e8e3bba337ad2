package dev.bpflux.reactor.ringbuf;

import dev.bpflux.sys.PageSize;
import dev.bpflux.BpfException;
import dev.bpflux.map.BpfMap;
import dev.bpflux.obj.MapType;
import dev.bpflux.sys.MappedMemory;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Writes samples into a {@code BPF_MAP_TYPE_USER_RINGBUF} (Linux 6.1+), the producing direction:
 * user space writes, a BPF program drains with {@code bpf_user_ringbuf_drain}. Samples are written
 * in place through a {@link ByteBuf} view of the mapped ring (no copy).
 *
 * <p>Kernel ABI (kernel/bpf/ringbuf.c): the consumer page at offset 0 is mapped read-only (the
 * kernel advances {@code consumer_pos}); the producer page at offset pagesize and the data, mapped
 * twice back to back, are read-write. A sample is reserved by writing its header
 * {@code len | BPF_RINGBUF_BUSY_BIT} and release-storing the advanced {@code producer_pos}; it is
 * submitted by clearing the busy bit (or setting the discard bit) with a release store of the
 * header, which the kernel acquire-loads before reading the sample.
 *
 * <p>One writer per ring and not thread-safe (a single producer, as the kernel assumes); close it
 * exactly once when done. {@link #offer} never blocks: it returns {@code false} when the ring has no
 * room, i.e. until the BPF program drained it.
 */
public final class UserRingBufferWriter implements AutoCloseable {
    private static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private final MappedMemory consumerMapping;
    private final MappedMemory producerMapping;
    private final ByteBuffer consumerPage;
    private final ByteBuffer producerArea;
    private final int pageSize;
    private final int size;
    private final long mask;
    private final ByteBuf wrapped;
    private final ByteBuf view;
    private boolean closed;

    private UserRingBufferWriter(MappedMemory consumerMapping, MappedMemory producerMapping, int pageSize, int size) {
        this.consumerMapping = consumerMapping;
        this.producerMapping = producerMapping;
        this.consumerPage = consumerMapping.asByteBuffer().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        this.producerArea = producerMapping.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        this.pageSize = pageSize;
        this.size = size;
        this.mask = size - 1;
        this.wrapped = Unpooled.wrappedBuffer(producerMapping.asByteBuffer());
        this.view = Unpooled.unreleasableBuffer(wrapped);
    }

    /** Maps the user ring buffer {@code map} (which the caller keeps open longer than the writer). */
    public static UserRingBufferWriter open(BpfMap map) {
        Objects.requireNonNull(map, "map");
        if (map.type() != MapType.USER_RINGBUF) {
            throw new BpfException(map.fd().what() + " is not a BPF_MAP_TYPE_USER_RINGBUF (Linux 6.1+)"
                    + (map.type() == MapType.RINGBUF ? ": read a BPF_MAP_TYPE_RINGBUF with RingBufferReceiver" : ""));
        }
        int pageSize = PageSize.VALUE;
        int size = map.maxEntries();
        if (size <= 0 || Integer.bitCount(size) != 1 || size % pageSize != 0 || size > (1 << 29)) {
            throw new BpfException("user ring buffer " + map.fd().what() + " has max_entries " + size
                    + ", not a power of two multiple of the page size up to 512 MiB");
        }
        MappedMemory consumer = MappedMemory.map(map.fd(), pageSize, MappedMemory.PROT_READ, 0);
        try {
            MappedMemory producer = MappedMemory.map(map.fd(), pageSize + 2L * size,
                    MappedMemory.PROT_READ | MappedMemory.PROT_WRITE, pageSize);
            return new UserRingBufferWriter(consumer, producer, pageSize, size);
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
    }

    /** Bytes free for samples (each takes its length plus an 8-byte header, rounded up to 8). */
    public long available() {
        long cons = (long) LONG.getAcquire(consumerPage, 0);
        long prod = (long) LONG.getAcquire(producerArea, 0);
        return size - (prod - cons);
    }

    /** Writes {@code sample}; {@code false} when the ring has no room for it now. */
    public boolean offer(byte[] sample) {
        return offer(sample.length, out -> out.writeBytes(sample));
    }

    /**
     * Reserves {@code length} bytes, lets {@code writer} fill them through a view (its writer index
     * starts at the sample, {@code writableBytes()} is {@code length}), and submits the sample.
     * If {@code writer} throws, the sample is discarded (the kernel skips it) and the exception
     * propagates.
     *
     * @return {@code false} when the ring has no room now
     */
    public boolean offer(int length, Consumer<? super ByteBuf> writer) {
        if (closed) {
            throw new IllegalStateException("user ring buffer writer is closed");
        }
        if (length < 0 || length + 8L > size) {
            throw new IllegalArgumentException("a sample of " + length + " bytes cannot fit a ring of " + size + " bytes");
        }
        long cons = (long) LONG.getAcquire(consumerPage, 0);
        long prod = (long) LONG.getAcquire(producerArea, 0);
        long total = (length + 8L + 7) & ~7L;
        if (size - (prod - cons) < total) {
            return false;
        }
        int header = pageSize + (int) (prod & mask);
        producerArea.putInt(header, length | RingBufferConsumer.BUSY_BIT);
        producerArea.putInt(header + 4, 0);
        LONG.setRelease(producerArea, 0, prod + total);
        int start = header + 8; // contiguous thanks to the double mapping
        view.setIndex(start, start);
        ByteBuf out = view.slice(start, length).clear();
        boolean ok = false;
        try {
            writer.accept(out);
            ok = true;
        } finally {
            INT.setRelease(producerArea, header, ok ? length : length | RingBufferConsumer.DISCARD_BIT);
        }
        return true;
    }

    /** Unmaps the ring; later calls do nothing. Samples already submitted stay for the kernel to drain. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        wrapped.release();
        producerMapping.close();
        consumerMapping.close();
    }
}
