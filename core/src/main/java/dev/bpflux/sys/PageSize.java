package dev.bpflux.sys;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The system page size, from the ELF auxiliary vector ({@code AT_PAGESZ}), without a native call:
 * ring buffer sizes, their mappings and mmap offsets are in pages, and pages are not 4096 bytes
 * everywhere (arm64 and ppc64 kernels use 16 and 64 KiB).
 */
public final class PageSize {
    private static final long AT_PAGESZ = 6;
    /** The page size in bytes. */
    public static final int VALUE = read();

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
