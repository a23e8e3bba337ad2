package dev.bpflux.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.testing.KernelTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BpfFilesystemMountTest {
    /**
     * A machine booted without bpffs: in a private mount namespace with /sys/fs/bpf unmounted, a
     * pin under it mounts bpffs first (as bpftool does) and the map lands there.
     */
    @Test
    @KernelTest
    void pinningUnderTheDefaultDirectoryMountsBpffsWhenMissing() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sh", "-c",
                "while umount -l /sys/fs/bpf 2>/dev/null; do :; done; exec \"$0\" -cp \"$1\" \"$2\"",
                java, System.getProperty("java.class.path"), PinInFreshNamespace.class.getName())
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("mounted before: false"), out);
        assertTrue(out.contains("mounted after: true"), out);
        assertTrue(out.contains("pinned map reopened: pin_probe"), out);
    }

    /** Runs in the child: unmounted bpffs, pin a map under /sys/fs/bpf, reopen it. */
    public static final class PinInFreshNamespace {
        public static void main(String[] args) {
            System.out.println("mounted before: " + BpfFilesystem.holds(BpfFilesystem.DEFAULT_MOUNT));
            Path pin = BpfFilesystem.DEFAULT_MOUNT.resolve("bpflux_pin_probe");
            try (dev.bpflux.map.BpfMap map = dev.bpflux.map.BpfMap.create(dev.bpflux.map.MapDefinition
                    .builder(dev.bpflux.obj.MapType.ARRAY).keySize(4).valueSize(4).maxEntries(1).name("pin_probe")
                    .build())) {
                map.pin(pin);
                System.out.println("mounted after: " + BpfFilesystem.holds(BpfFilesystem.DEFAULT_MOUNT));
                try (dev.bpflux.map.BpfMap again = dev.bpflux.map.BpfMap.openPinned(pin)) {
                    System.out.println("pinned map reopened: " + again.info().name());
                }
            }
            // The namespace and its bpffs go away with this process; nothing is left on the host.
        }
    }
}
