package dev.bpflux.obj;

import dev.bpflux.BpfObjectException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Paths that are not object files: each must fail at once with a message naming the path and what it is,
 * never block (a FIFO), read forever ({@code /dev/zero}) or exhaust the heap (a huge sparse file). The
 * timeouts run the test on its own thread so that a blocked open fails the test instead of hanging the build.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SpecialFilesTest {
    private static final Path OBJECT = Path.of("src/test/bpf/load/globals.bpf.o");

    @TempDir
    Path dir;

    private static String refused(Path path) {
        BpfObjectException e = assertThrows(BpfObjectException.class, () -> BpfObjectSpec.read(path));
        assertTrue(e.getMessage().startsWith(path + ": "), e.getMessage());
        return e.getMessage();
    }

    @Test
    void fifoIsRefusedWithoutOpeningIt() throws Exception {
        Path fifo = dir.resolve("obj.bpf.o");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertEquals(0, p.waitFor());
        assertEquals(fifo + ": not a regular file but a FIFO (named pipe); a BPF object is read from a regular file",
                refused(fifo));
    }

    @Test
    void characterDeviceIsRefused() {
        assertEquals("/dev/zero: not a regular file but a character device; a BPF object is read from a regular file",
                refused(Path.of("/dev/zero")));
    }

    @Test
    void symbolicLinkToADeviceNamesTheTarget() throws IOException {
        Path link = Files.createSymbolicLink(dir.resolve("zero.bpf.o"), Path.of("/dev/zero"));
        assertEquals(link + ": not a regular file but a character device (a symbolic link to /dev/zero); a BPF "
                + "object is read from a regular file", refused(link));
    }

    @Test
    void directoryIsRefused() {
        assertEquals(dir + ": not a regular file but a directory; a BPF object is read from a regular file",
                refused(dir));
    }

    @Test
    void hugeSparseFileIsRefusedBeforeReading() throws IOException {
        Path sparse = dir.resolve("sparse.bpf.o");
        try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
            f.setLength(3L << 30);
        }
        assertEquals(sparse + ": is 3221225472 bytes (3 GiB), more than the 256 MiB a BPF object may have; is it "
                + "the right file?", refused(sparse));
    }

    @Test
    void theCapCanBeRaisedOrLowered() throws IOException {
        long size = Files.size(OBJECT);
        BpfObjectException e = assertThrows(BpfObjectException.class, () -> BpfObjectSpec.read(OBJECT, size - 1));
        assertTrue(e.getMessage().contains("is " + size + " bytes"), e.getMessage());
        assertEquals("globals.bpf.o", BpfObjectSpec.read(OBJECT, size).name().replaceAll(".*/", ""));
    }

    @Test
    void symbolicLinkToAnObjectIsRead() throws IOException {
        Path link = Files.createSymbolicLink(dir.resolve("linked.bpf.o"), OBJECT.toAbsolutePath());
        assertTrue(BpfObjectSpec.read(link).program("copy_config").isPresent());
    }

    @Test
    void missingFileSaysSo() {
        assertEquals(dir.resolve("none.bpf.o") + ": no such file", refused(dir.resolve("none.bpf.o")));
    }
}
