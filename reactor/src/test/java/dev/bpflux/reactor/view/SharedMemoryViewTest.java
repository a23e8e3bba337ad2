package dev.bpflux.reactor.view;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.util.IllegalReferenceCountException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The view readers hand decoders, against Netty's own heap buffer over the same bytes as the
 * reference for every accessor (so both byte orders and every width are checked against an
 * implementation we did not write). Runs twice in the build: with {@link RawMemory} and with
 * {@code -Dbpflux.noRawMemory=true} (the ByteBuffer path).
 */
class SharedMemoryViewTest {
    private final byte[] bytes = new byte[4096];
    private final ByteBuffer memory = ByteBuffer.allocateDirect(bytes.length);
    private final SharedMemoryView view;

    SharedMemoryViewTest() {
        new Random(42).nextBytes(bytes);
        memory.put(bytes).clear();
        view = new SharedMemoryView(memory.asReadOnlyBuffer());
    }

    @Test
    void everyAccessorReadsWhatNettyReadsFromTheSameBytes() {
        int offset = 1000;
        int length = 77;
        view.show(offset, length);
        ByteBuf expected = Unpooled.wrappedBuffer(bytes, offset, length);
        assertEquals(0, view.readerIndex());
        assertEquals(length, view.writerIndex());
        assertEquals(length, view.capacity());
        for (int i = 0; i + 8 <= length; i++) {
            assertEquals(expected.getByte(i), view.getByte(i));
            assertEquals(expected.getShort(i), view.getShort(i));
            assertEquals(expected.getShortLE(i), view.getShortLE(i));
            assertEquals(expected.getUnsignedMedium(i), view.getUnsignedMedium(i));
            assertEquals(expected.getUnsignedMediumLE(i), view.getUnsignedMediumLE(i));
            assertEquals(expected.getInt(i), view.getInt(i));
            assertEquals(expected.getIntLE(i), view.getIntLE(i));
            assertEquals(expected.getUnsignedIntLE(i), view.getUnsignedIntLE(i));
            assertEquals(expected.getLong(i), view.getLong(i));
            assertEquals(expected.getLongLE(i), view.getLongLE(i));
        }
        assertEquals(expected.readLongLE(), view.readLongLE());
        assertEquals(expected.readIntLE(), view.readIntLE());
        assertEquals(expected.readableBytes(), view.readableBytes());
        assertArrayEquals(ByteBufUtil.getBytes(expected), ByteBufUtil.getBytes(view));
    }

    @Test
    void bulkReadsCopiesAndNioBuffersSeeOnlyTheShownBytes() throws Exception {
        view.show(17, 40);
        byte[] want = java.util.Arrays.copyOfRange(bytes, 17, 57);
        assertArrayEquals(want, ByteBufUtil.getBytes(Unpooled.copiedBuffer(view)));
        ByteBuf copy = view.copy();
        assertArrayEquals(want, ByteBufUtil.getBytes(copy));
        copy.release();
        ByteBuf direct = Unpooled.directBuffer(64);
        direct.writeBytes(view, 0, 40);
        assertArrayEquals(want, ByteBufUtil.getBytes(direct));
        direct.release();
        ByteBuffer nio = view.nioBuffer();
        assertTrue(nio.isReadOnly());
        assertEquals(ByteOrder.BIG_ENDIAN, nio.order());
        byte[] fromNio = new byte[nio.remaining()];
        nio.get(fromNio);
        assertArrayEquals(want, fromNio);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        view.getBytes(0, out, 40);
        assertArrayEquals(want, out.toByteArray());
        ByteBuffer target = ByteBuffer.allocate(40);
        view.getBytes(0, target);
        assertArrayEquals(want, target.array());
        assertEquals(new String(want, StandardCharsets.ISO_8859_1),
                view.toString(StandardCharsets.ISO_8859_1));
    }

    @Test
    void readsStopAtTheShownBytesNotAtTheMemory() {
        view.show(100, 12);
        assertThrows(IndexOutOfBoundsException.class, () -> view.getLongLE(8));
        assertThrows(IndexOutOfBoundsException.class, () -> view.getByte(-1));
        assertThrows(IndexOutOfBoundsException.class, () -> view.getByte(12));
        view.readLongLE();
        assertThrows(IndexOutOfBoundsException.class, view::readLongLE);
        assertThrows(IndexOutOfBoundsException.class, () -> view.show(4090, 7));
        assertThrows(IndexOutOfBoundsException.class, () -> view.show(-8, 4));
    }

    @Test
    void writesAndReferenceCountingDoNothingHarmful() {
        view.show(0, 16);
        assertTrue(view.isReadOnly());
        assertThrows(ReadOnlyBufferException.class, () -> view.setLongLE(0, 1));
        assertThrows(ReadOnlyBufferException.class, () -> view.setBytes(0, new byte[4]));
        assertThrows(ReadOnlyBufferException.class, () -> view.capacity(32));
        assertFalse(view.release());
        assertSame(view, view.retain());
        assertEquals(1, view.refCnt());
        assertFalse(view.hasMemoryAddress());
        assertFalse(view.hasArray());
        assertEquals(ByteBufUtil.getBytes(Unpooled.wrappedBuffer(bytes, 0, 16)).length, view.readableBytes());
        assertEquals(Unpooled.wrappedBuffer(bytes, 0, 16).getLongLE(8), view.getLongLE(8));
    }

    @Test
    void anInvalidatedViewThrowsInsteadOfReadingUnmappedMemory() {
        view.show(8, 8);
        view.invalidate();
        assertEquals(0, view.refCnt());
        assertThrows(IllegalReferenceCountException.class, () -> view.getLongLE(0));
        assertThrows(IndexOutOfBoundsException.class, () -> view.show(8, 8));
        assertThrows(IllegalReferenceCountException.class, () -> view.getBytes(0, new byte[8]));
    }

    @Test
    void theRawPathIsTheOneInUseOnThisJdkUnlessDisabled() {
        // the fast path silently falling back would only show as a slower benchmark
        assertEquals(!Boolean.getBoolean("bpflux.noRawMemory"), RawMemory.AVAILABLE);
    }
}
