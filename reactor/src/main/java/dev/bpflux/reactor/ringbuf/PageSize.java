package dev.bpflux.reactor.ringbuf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** The system page size, from the ELF auxiliary vector ({@code AT_PAGESZ}), without a native call. */
final class PageSize {
    private static final long AT_PAGESZ = 6;
    static final int VALUE = read();

    private PageSize() {
    }

    private static int read() {
        try {
            ByteBuffer auxv = ByteBuffer.wrap(Files.readAllBytes(Path.of("/proc/self/auxv")))
                    .order(ByteOrder.nativeOrder());
            while (auxv.remaining() >= 16) {
                long type = auxv.getLong();
                long value = auxv.getLong();
                if (type == AT_PAGESZ && value > 0 && value <= (1 << 24) && Long.bitCount(value) == 1) {
                    return (int) value;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through to the common default
        }
        return 4096;
    }
}
