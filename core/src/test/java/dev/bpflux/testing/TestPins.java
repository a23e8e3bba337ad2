package dev.bpflux.testing;

import dev.bpflux.sys.BpfFilesystem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Pin directories for kernel tests: a fresh one per use, under {@code /sys/fs/bpf}, mounted on demand. */
public final class TestPins {
    private TestPins() {
    }

    /**
     * A new directory under /sys/fs/bpf named {@code prefix<random>}: never an aborted run's (pid
     * reuse) nor a concurrent run's. bpffs is mounted first when the machine booted without it, as
     * bpflux itself does before pinning.
     */
    /** Every path under {@code dir}, relative to it: what a pin test compares before and after. */
    public static java.util.Set<String> tree(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !p.equals(dir)).map(p -> dir.relativize(p).toString())
                    .collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
        }
    }

    public static Path newDirectory(String prefix) throws IOException {
        BpfFilesystem.mountIfMissing(BpfFilesystem.DEFAULT_MOUNT);
        return Files.createTempDirectory(BpfFilesystem.DEFAULT_MOUNT, prefix);
    }
}
