package dev.bpflux.reactor;

import io.netty.buffer.ByteBuf;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * Writes one value as a sample in place into kernel-shared memory: the counterpart of
 * {@link RecordDecoder} for the producing direction (a user ring buffer sender).
 *
 * <p>The sender asks {@link #length} first, reserves exactly that many bytes in the ring, then
 * calls {@link #encode} with a {@link ByteBuf} view of the reserved sample: its writer index is at
 * the sample's first byte and {@code writableBytes()} is the length. Write with the {@code *LE}
 * methods (BPF reads little-endian on x86 and arm64). The view is valid only during
 * {@code encode}; do not keep, retain or release it. Bytes left unwritten hold whatever the ring
 * held before. An encoder that throws discards the sample (the kernel skips it) and ends the
 * stream with that error.
 *
 * @param <T> the values sent
 */
public interface RecordEncoder<T> {

    /** The sample's length in bytes for {@code value} (at least 0, at most the ring size less 8). */
    int length(T value);

    /** Writes {@code value} into {@code sample}, a view of exactly {@link #length} bytes. */
    void encode(T value, ByteBuf sample);

    /** An encoder of samples of {@code length} bytes each, written by {@code writer}. */
    static <T> RecordEncoder<T> fixed(int length, BiConsumer<? super T, ? super ByteBuf> writer) {
        if (length < 0) {
            throw new IllegalArgumentException("sample length must not be negative: " + length);
        }
        Objects.requireNonNull(writer, "writer");
        return new RecordEncoder<>() {
            @Override
            public int length(T value) {
                return length;
            }

            @Override
            public void encode(T value, ByteBuf sample) {
                writer.accept(value, sample);
            }
        };
    }

    /** An encoder that copies each {@code byte[]} as one sample of its length. */
    static RecordEncoder<byte[]> bytes() {
        return new RecordEncoder<>() {
            @Override
            public int length(byte[] value) {
                return value.length;
            }

            @Override
            public void encode(byte[] value, ByteBuf sample) {
                sample.writeBytes(value);
            }
        };
    }
}
