package dev.bpflux.samples.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.testing.KernelTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

@KernelTest
class TraceSyscallsKernelTest {

    /**
     * A sample killed while running (no JVM exit hooks) must leave no copy of its object behind. Copies that
     * were there before (other runs of older code share /tmp) do not count.
     */
    @Test
    void theObjectIsLoadedFromMemoryNotFromATemporaryFile() throws Exception {
        Set<Path> before = extractedCopies();
        SyscallEvent first = TraceSyscalls.events(0, 0, true)
                .take(1)
                .doOnNext(e -> {
                    Set<Path> now = extractedCopies();
                    now.removeAll(before);
                    assertEquals(Set.of(), now, "objects extracted to /tmp while streaming");
                })
                .blockLast(Duration.ofSeconds(60));
        assertTrue(first != null && first.pid() > 0);
    }

    private static Set<Path> extractedCopies() {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return files.filter(f -> f.getFileName().toString().startsWith("syscall_trace"))
                    .collect(Collectors.toCollection(HashSet::new));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void streamsTheOpenatOfATracedProcess() throws Exception {
        Path file = Files.createTempFile("bpflux-trace", ".txt");
        Files.writeString(file, "hello");
        // the child waits on its stdin so the tracer is attached before it opens the file, then
        // becomes cat (exec: same pid, the one the tracer filters on)
        Process child = new ProcessBuilder("sh", "-c", "read go; exec cat " + file + " > /dev/null").start();
        try {
            int pid = (int) child.pid();
            List<SyscallEvent> events = TraceSyscalls.events(pid, 0, false)
                    // A bound, not a wait: the stream ends at the openat. Its clock starts before the load,
                    // which took 4-5 s of this in a matrix guest (emulated, many times slower than here).
                    .take(Duration.ofSeconds(60))
                    .filter(e -> e.kind() == SyscallEvent.OPENAT && e.detail().equals(file.toString()))
                    .take(1)
                    .collectList()
                    .doOnSubscribe(s -> new Thread(() -> {
                        try {
                            Thread.sleep(500); // the object is loaded and attached on subscribe
                            child.getOutputStream().write("go\n".getBytes());
                            child.getOutputStream().flush();
                        } catch (Exception e) {
                            throw new RuntimeException(e);
                        }
                    }).start())
                    .block(Duration.ofSeconds(90));
            assertEquals(1, events.size(), "the openat of " + file);
            SyscallEvent e = events.get(0);
            assertEquals(pid, e.pid());
            assertEquals("cat", e.comm());
            assertEquals(257, e.syscall());
            assertTrue(e.format().contains("openat(") && e.format().contains(file.toString()), e.format());
        } finally {
            child.destroy();
            Files.deleteIfExists(file);
        }
    }
}
