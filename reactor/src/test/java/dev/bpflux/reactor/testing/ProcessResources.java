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

    /** Mappings of BPF objects (anon_inode:bpf-map, bpf-ringbuf...). */
    public static long bpfMappings() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.filter(l -> l.contains("bpf")).count();
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
