package dev.bpflux.reactor.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/** Counts of this process's open fds and BPF mappings, for exactly-once close assertions. */
public final class ProcessResources {
    private ProcessResources() {
    }

    public static long openFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Mappings of BPF objects: the pathname column reads {@code anon_inode:bpf-map} (ring buffers
     * and mmapable arrays alike). Not every line containing "bpf": in the kernel matrix the JRE
     * and its CDS archives live under ~/.cache/bpflux, and the JVM maps more of them lazily.
     */
    public static long bpfMappings() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.filter(l -> l.contains(" anon_inode:bpf")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits until {@code counter} reads {@code expected} (reader threads close their epoll and
     * eventfd just after the last stream left them) and returns the last reading.
     */
    public static long awaitValue(LongSupplier counter, long expected, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long v = counter.getAsLong();
        while (v != expected && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            v = counter.getAsLong();
        }
        return v;
    }
}
