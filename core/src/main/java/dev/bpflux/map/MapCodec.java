package dev.bpflux.map;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Small conversions between Java values and map key/value bytes. BPF programs see memory in the
 * CPU's byte order, so the default is native order ({@link #NATIVE}); {@link #LITTLE_ENDIAN}
 * and {@link #BIG_ENDIAN} are there for network-order keys.
 */
public final class MapCodec {
    public static final MapCodec NATIVE = new MapCodec(ByteOrder.nativeOrder());
    public static final MapCodec LITTLE_ENDIAN = new MapCodec(ByteOrder.LITTLE_ENDIAN);
    public static final MapCodec BIG_ENDIAN = new MapCodec(ByteOrder.BIG_ENDIAN);

    private final ByteOrder order;

    private MapCodec(ByteOrder order) {
        this.order = order;
    }

    public ByteOrder order() {
        return order;
    }

    public byte[] ofInt(int v) {
        return ByteBuffer.allocate(4).order(order).putInt(0, v).array();
    }

    public byte[] ofLong(long v) {
        return ByteBuffer.allocate(8).order(order).putLong(0, v).array();
    }

    public byte[] ofShort(short v) {
        return ByteBuffer.allocate(2).order(order).putShort(0, v).array();
    }

    public int toInt(byte[] b) {
        return toInt(b, 0);
    }

    public int toInt(byte[] b, int offset) {
        return ByteBuffer.wrap(b).order(order).getInt(offset);
    }

    public long toLong(byte[] b) {
        return toLong(b, 0);
    }

    public long toLong(byte[] b, int offset) {
        return ByteBuffer.wrap(b).order(order).getLong(offset);
    }

    /** A buffer over {@code b} in this codec's order, for structured values. */
    public ByteBuffer wrap(byte[] b) {
        return ByteBuffer.wrap(b).order(order);
    }

    /** The remaining bytes of {@code buffer} as an array (the buffer's position is unchanged). */
    public static byte[] bytes(ByteBuffer buffer) {
        byte[] b = new byte[buffer.remaining()];
        buffer.duplicate().get(b);
        return b;
    }
}
