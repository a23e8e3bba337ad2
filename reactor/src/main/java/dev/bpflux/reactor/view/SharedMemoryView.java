package dev.bpflux.reactor.view;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ScatteringByteChannel;
import java.util.Objects;

/**
 * A read-only {@link ByteBuf} over memory the kernel shares with us (a ring buffer's data area, a
 * perf buffer), whose reader and writer index a reader moves from record to record.
 *
 * <p>Why not {@code Unpooled.wrappedBuffer(byteBuffer).asReadOnly()}: every little-endian read
 * then went through a big-endian {@code ByteBuffer} and a byte swap, wrapped twice more (read-only,
 * unreleasable), which cost a few nanoseconds per record at hundreds of millions of records a
 * second; Netty's own raw-address buffers need {@code --add-opens} on JDK 17. Here every read is one
 * bounds-checked read of a little-endian direct {@code ByteBuffer}, so it never leaves the mapping.
 *
 * <p>Reference counting does nothing: the mapping belongs to the reader, and a decoder releasing
 * or retaining the view by mistake must not break the next record. When the reader unmaps the
 * memory it {@linkplain #invalidate() invalidates} the view first: its reference count reads 0
 * and every access throws, so a view a decoder kept by mistake fails instead of touching unmapped
 * memory (on the thread that invalidated it; other threads have no such guarantee, which is why
 * decoders must not keep views at all).
 */
public final class SharedMemoryView extends AbstractByteBuf {
    private static final ByteBuffer GONE = ByteBuffer.allocateDirect(0).asReadOnlyBuffer();
    private static final boolean RAW = RawMemory.AVAILABLE;

    /** The whole shared memory, little-endian; {@link #GONE} once invalidated. */
    private ByteBuffer memory;
    private final long memoryAddress;
    /** The size of {@code memory}; 0 once invalidated. */
    private int limit;
    /** Where the shown bytes start: their address with RawMemory, else their offset in {@code memory}. */
    private int base;
    private long address;
    /** The shown bytes: index 0 to capacity. */
    private int capacity;

    /**
     * A view of {@code memory} (position 0 to capacity, direct), which it only reads; it shows
     * nothing until {@link #show} is called.
     */
    public SharedMemoryView(ByteBuffer memory) {
        super(Integer.MAX_VALUE);
        if (!memory.isDirect()) {
            throw new IllegalArgumentException("a shared memory view needs a direct buffer");
        }
        this.memory = memory.duplicate().clear().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        this.memoryAddress = RAW ? RawMemory.address(this.memory) : 0;
        this.limit = memory.capacity();
        setIndex(0, 0);
    }

    /**
     * Makes the view show the {@code length} bytes at {@code offset} of the memory, and only those:
     * index 0 is the first, reader index 0, writer index {@code length}, capacity {@code length}.
     */
    public SharedMemoryView show(int offset, int length) {
        Objects.checkFromIndexSize(offset, length, limit);
        if (RAW) {
            address = memoryAddress + offset;
        } else {
            base = offset;
        }
        capacity = length;
        setIndex(0, length);
        return this;
    }

    /** Where the shown bytes start in the memory. */
    public int shownOffset() {
        return RAW ? (int) (address - memoryAddress) : base;
    }

    /** Called before the memory is unmapped: from now on every access throws. */
    public void invalidate() {
        memory = GONE;
        limit = 0;
        capacity = 0;
        base = 0;
        setIndex(0, 0);
    }

    // ---- reads: the memory buffer is little-endian

    @Override
    protected byte _getByte(int index) {
        return RAW ? RawMemory.getByte(address + index) : memory.get(base + index);
    }

    @Override
    protected short _getShort(int index) {
        return Short.reverseBytes(_getShortLE(index));
    }

    @Override
    protected short _getShortLE(int index) {
        return RAW ? RawMemory.getShort(address + index) : memory.getShort(base + index);
    }

    @Override
    protected int _getUnsignedMedium(int index) {
        return (_getByte(index) & 0xff) << 16 | (_getByte(index + 1) & 0xff) << 8 | _getByte(index + 2) & 0xff;
    }

    @Override
    protected int _getUnsignedMediumLE(int index) {
        return _getByte(index) & 0xff | (_getByte(index + 1) & 0xff) << 8 | (_getByte(index + 2) & 0xff) << 16;
    }

    @Override
    protected int _getInt(int index) {
        return Integer.reverseBytes(_getIntLE(index));
    }

    @Override
    protected int _getIntLE(int index) {
        return RAW ? RawMemory.getInt(address + index) : memory.getInt(base + index);
    }

    @Override
    protected long _getLong(int index) {
        return Long.reverseBytes(_getLongLE(index));
    }

    @Override
    protected long _getLongLE(int index) {
        return RAW ? RawMemory.getLong(address + index) : memory.getLong(base + index);
    }

    @Override
    public ByteBuf getBytes(int index, byte[] dst, int dstIndex, int length) {
        checkDstIndex(index, length, dstIndex, dst.length);
        memory.get(shownOffset() + index, dst, dstIndex, length);
        return this;
    }

    @Override
    public ByteBuf getBytes(int index, ByteBuf dst, int dstIndex, int length) {
        checkDstIndex(index, length, dstIndex, dst.capacity());
        dst.setBytes(dstIndex, memory.slice(shownOffset() + index, length));
        return this;
    }

    @Override
    public ByteBuf getBytes(int index, ByteBuffer dst) {
        checkIndex(index, dst.remaining());
        dst.put(memory.slice(shownOffset() + index, dst.remaining()));
        return this;
    }

    @Override
    public ByteBuf getBytes(int index, OutputStream out, int length) throws IOException {
        checkIndex(index, length);
        out.write(ByteBufUtil.getBytes(this, index, length));
        return this;
    }

    @Override
    public int getBytes(int index, GatheringByteChannel out, int length) throws IOException {
        checkIndex(index, length);
        return out.write(memory.slice(shownOffset() + index, length));
    }

    @Override
    public int getBytes(int index, FileChannel out, long position, int length) throws IOException {
        checkIndex(index, length);
        return out.write(memory.slice(shownOffset() + index, length), position);
    }

    @Override
    public ByteBuf copy(int index, int length) {
        checkIndex(index, length);
        byte[] bytes = new byte[length];
        memory.get(shownOffset() + index, bytes, 0, length);
        return alloc().heapBuffer(length).writeBytes(bytes);
    }

    @Override
    public int nioBufferCount() {
        return 1;
    }

    /** A read-only, big-endian (as Netty's are) {@code ByteBuffer} over the bytes: shares the memory. */
    @Override
    public ByteBuffer nioBuffer(int index, int length) {
        checkIndex(index, length);
        return memory.slice(shownOffset() + index, length).order(ByteOrder.BIG_ENDIAN);
    }

    @Override
    public ByteBuffer internalNioBuffer(int index, int length) {
        return nioBuffer(index, length);
    }

    @Override
    public ByteBuffer[] nioBuffers(int index, int length) {
        return new ByteBuffer[] {nioBuffer(index, length)};
    }

    // ---- what a view of shared memory is and is not

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public ByteBuf capacity(int newCapacity) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBufAllocator alloc() {
        return ByteBufAllocator.DEFAULT;
    }

    @Override
    @Deprecated
    public ByteOrder order() {
        return ByteOrder.BIG_ENDIAN;
    }

    @Override
    public ByteBuf unwrap() {
        return null;
    }

    @Override
    public boolean isDirect() {
        return true;
    }

    @Override
    public boolean isReadOnly() {
        return true;
    }

    @Override
    public boolean isContiguous() {
        return true;
    }

    @Override
    public boolean hasArray() {
        return false;
    }

    @Override
    public byte[] array() {
        throw new UnsupportedOperationException("a view of shared memory has no array");
    }

    @Override
    public int arrayOffset() {
        throw new UnsupportedOperationException("a view of shared memory has no array");
    }

    /** No: Netty code holding a raw address would bypass the checks that keep reads in the mapping. */
    @Override
    public boolean hasMemoryAddress() {
        return false;
    }

    @Override
    public long memoryAddress() {
        throw new UnsupportedOperationException("a view of shared memory hands out no address");
    }

    // ---- reference counting does nothing (the reader owns the memory)

    @Override
    public int refCnt() {
        return capacity == 0 ? 0 : 1;
    }

    @Override
    public ByteBuf retain() {
        return this;
    }

    @Override
    public ByteBuf retain(int increment) {
        return this;
    }

    @Override
    public ByteBuf touch() {
        return this;
    }

    @Override
    public ByteBuf touch(Object hint) {
        return this;
    }

    @Override
    public boolean release() {
        return false;
    }

    @Override
    public boolean release(int decrement) {
        return false;
    }

    // ---- writes: never (the mapping is read-only; a write through PROT_READ memory would crash)

    @Override
    protected void _setByte(int index, int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    protected void _setShort(int index, int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    protected void _setShortLE(int index, int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    protected void _setMedium(int index, int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    protected void _setMediumLE(int index, int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    protected void _setInt(int index, int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    protected void _setIntLE(int index, int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    protected void _setLong(int index, long value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    protected void _setLongLE(int index, long value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuf src, int srcIndex, int length) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setBytes(int index, byte[] src, int srcIndex, int length) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuffer src) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public int setBytes(int index, java.io.InputStream in, int length) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public int setBytes(int index, ScatteringByteChannel in, int length) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public int setBytes(int index, FileChannel in, long position, int length) {
        throw new ReadOnlyBufferException();
    }
}
