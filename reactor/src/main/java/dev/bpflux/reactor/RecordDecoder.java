package dev.bpflux.reactor;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

/**
 * Turns one record, seen through a read-only {@link ByteBuf} view of kernel-shared memory, into a
 * value.
 *
 * <p>The view shows exactly the record: index 0 is its first byte, {@code readerIndex()} is 0,
 * {@code readableBytes()} and {@code capacity()} are its length, and a read outside it throws
 * {@code IndexOutOfBoundsException}. The view is reused for the next record as soon as
 * {@link #decode} returns, and the kernel may overwrite the bytes from then on, so a decoder must
 * not keep it (retaining or releasing it does nothing): it reads what it needs (BPF writes
 * little-endian, so use {@code readLongLE()}, {@code getIntLE(8)}, ...) and returns a value.
 * Keeping the bytes is an explicit copy: {@link #copy()} or {@link #bytes()}.
 *
 * <p>A decoder that throws ends the stream with that error; the record it failed on is not consumed.
 *
 * @param <T> what a record decodes to; must not be {@code null}
 */
@FunctionalInterface
public interface RecordDecoder<T> {

    /** Decodes the record the view shows. Must not return {@code null}. */
    T decode(ByteBuf record);

    /**
     * A decoder that copies each record into a new heap {@link ByteBuf}, which the receiver owns
     * and must release.
     */
    static RecordDecoder<ByteBuf> copy() {
        return record -> Unpooled.copiedBuffer(record);
    }

    /** A decoder that copies each record into a new {@code byte[]}. */
    static RecordDecoder<byte[]> bytes() {
        return record -> ByteBufUtil.getBytes(record);
    }
}
