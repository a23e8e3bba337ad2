package dev.bpflux.reactor.perf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.reactor.RecordDecoder;
import dev.bpflux.sys.MappedMemory;
import dev.bpflux.sys.OwnedFd;
import dev.bpflux.sys.SystemCalls;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The perf buffer record walk on states the kernel tests do not reach: their 32-byte records
 * divide the buffer, so none wraps its end. A file of the perf mapping's layout (metadata page,
 * then the data pages) is mapped as the kernel's would be and filled by hand: samples in place,
 * a sample wrapping the end (copied, then shown like the others), a LOST record.
 */
class PerfCpuBufferTest {
    static final int PAGE = 4096;
    static final int PAGES = 2;
    static final int SIZE = PAGE * PAGES;
    static final int O_RDWR = 2;

    Path file;
    MappedMemory mapping;
    ByteBuffer memory;
    PerfCpuBuffer buffer;

    @BeforeEach
    void map() throws IOException {
        file = Files.createTempFile("perf-buffer", ".bin");
        Files.write(file, new byte[PAGE + SIZE]);
        // data_tail as the buffer finds it when it opens: the second record written below wraps the end in its body
        ByteBuffer tail = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, SIZE - 32);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(tail, PerfCpuBuffer.DATA_TAIL);
        }
        buffer = reopen();
    }

    @AfterEach
    void close() throws IOException {
        buffer.close();
        Files.deleteIfExists(file);
    }

    /** Writes a record of {@code type} with {@code body} at {@code pos}, wrapping as the kernel does. */
    long put(long pos, int type, byte[] body) {
        int size = 8 + body.length;
        byte[] header = new byte[8];
        ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).putInt(type).putShort((short) 0).putShort((short) size);
        for (int i = 0; i < size; i++) {
            byte b = i < 8 ? header[i] : body[i - 8];
            memory.put(PAGE + (int) ((pos + i) % SIZE), b);
        }
        return pos + size;
    }

    static byte[] sample(int rawSize, int seed) {
        int padded = (4 + rawSize + 7) & ~7;
        byte[] body = new byte[padded];
        ByteBuffer b = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN).putInt(rawSize);
        for (int i = 0; i < rawSize; i++) {
            b.put((byte) (seed + i));
        }
        return body;
    }

    static byte[] raw(int rawSize, int seed) {
        byte[] out = new byte[rawSize];
        for (int i = 0; i < rawSize; i++) {
            out[i] = (byte) (seed + i);
        }
        return out;
    }

    @Test
    void samplesInPlaceAndAcrossTheEndAreShownWholeAndLostRecordsCounted() {
        long pos = memory.getLong(PerfCpuBuffer.DATA_TAIL);
        pos = put(pos, PerfCpuBuffer.PERF_RECORD_SAMPLE, sample(4, 1));      // 16 bytes, in place
        pos = put(pos, PerfCpuBuffer.PERF_RECORD_SAMPLE, sample(44, 50));    // header and 8 body bytes at the end, 40 at the start
        byte[] lost = new byte[16];
        ByteBuffer.wrap(lost).order(ByteOrder.LITTLE_ENDIAN).putLong(7).putLong(12);
        pos = put(pos, PerfCpuBuffer.PERF_RECORD_LOST, lost);
        pos = put(pos, PerfCpuBuffer.PERF_RECORD_SAMPLE, sample(100, 9));
        long head = pos;
        memory.putLong(PerfCpuBuffer.DATA_HEAD, head);

        Collected got = new Collected();
        long[] counts = new long[3];
        assertTrue(buffer.drain(100, RecordDecoder.bytes(), got, counts));
        assertEquals(3, got.samples.size());
        assertArrayEquals(raw(4, 1), got.samples.get(0));
        assertArrayEquals(raw(44, 50), got.samples.get(1));
        assertArrayEquals(raw(100, 9), got.samples.get(2));
        assertEquals(List.of(12L), got.lost);
        assertEquals(3, counts[0]);
        assertEquals(4 + 44 + 100, counts[1]);
        assertEquals(12, counts[2]);
        assertEquals(head, memory.getLong(PerfCpuBuffer.DATA_TAIL), "data_tail published past every record");
    }

    @Test
    void aSampleWhoseHeaderEndsTheBufferIsReadInPlaceFromTheStartAndIsReadOnly() {
        long pos = SIZE - 8; // header in the last 8 bytes, the whole body (size field too) at the start
        memory.putLong(PerfCpuBuffer.DATA_TAIL, pos);
        buffer.close();
        buffer = reopen();
        long head = put(pos, PerfCpuBuffer.PERF_RECORD_SAMPLE, sample(30, 3));
        memory.putLong(PerfCpuBuffer.DATA_HEAD, head);
        pos = put(head, PerfCpuBuffer.PERF_RECORD_SAMPLE, sample(1, 0));
        Collected got = new Collected();
        long[] counts = new long[3];
        buffer.drain(10, record -> {
            assertEquals(0, record.readerIndex());
            assertThrows(IndexOutOfBoundsException.class, () -> record.getByte(record.capacity()));
            assertThrows(java.nio.ReadOnlyBufferException.class, () -> record.setByte(0, 1));
            return ByteBufUtil.getBytes(record);
        }, got, counts);
        assertEquals(1, got.samples.size(), "stops at data_head");
        assertArrayEquals(raw(30, 3), got.samples.get(0));
    }

    /** Collects what a drain hands on. */
    static final class Collected implements PerfCpuBuffer.Sink<byte[]> {
        final List<byte[]> samples = new ArrayList<>();
        final List<Long> lost = new ArrayList<>();

        @Override
        public boolean accept(byte[] value) {
            samples.add(value);
            return true;
        }

        @Override
        public boolean lost(long count) {
            lost.add(count);
            return true;
        }
    }

    /** Maps the file as a perf buffer's mapping; the buffer owns the fd (as the perf event's) and the mapping. */
    PerfCpuBuffer reopen() {
        OwnedFd fd = OwnedFd.adopt(SystemCalls.linux().open(file.toString(), O_RDWR), "test perf buffer file");
        mapping = MappedMemory.map(fd, PAGE + SIZE, MappedMemory.PROT_READ | MappedMemory.PROT_WRITE, 0);
        memory = mapping.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        return new PerfCpuBuffer(0, fd, mapping, PAGE, PAGES);
    }
}
