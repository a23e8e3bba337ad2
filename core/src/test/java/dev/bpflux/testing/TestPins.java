package dev.bpflux.testing;

import dev.bpflux.kernel.Bpffs;
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
    public static Path newDirectory(String prefix) throws IOException {
        Bpffs.mountIfMissing(Bpffs.DEFAULT_MOUNT);
        return Files.createTempDirectory(Bpffs.DEFAULT_MOUNT, prefix);
    }
}
