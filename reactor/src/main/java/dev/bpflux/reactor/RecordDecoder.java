package dev.bpflux.reactor;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

/**
 * Turns one record, seen through a read-only {@link ByteBuf} view of kernel-shared memory, into a
 * value.
 *
 * <p>The view's readable bytes are exactly the record ({@code readerIndex()} at its first byte,
 * {@code readableBytes()} its length). The view is reused for the next record as soon as
 * {@link #decode} returns, and the kernel may overwrite the bytes from then on, so a decoder must
 * not keep it, retain it or release it: it reads what it needs (BPF writes little-endian, so use
 * {@code readLongLE}, {@code getIntLE(readerIndex() + n)}, ...) and returns a value. Keeping the bytes
 * is an explicit copy: {@link #copy()} or {@link #bytes()}.
 *
 * <p>A decoder that throws ends the stream with that error; the record it failed on is not consumed.
 *
 * @param <T> what a record decodes to; must not be {@code null}
 */
@FunctionalInterface
public interface RecordDecoder<T> {

    /** Decodes the record between the view's reader and writer index. Must not return {@code null}. */
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
