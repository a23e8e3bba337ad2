package dev.bpflux.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.platform.unix.LibC;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * Proves the environment kernel tests run in is the one we think it is.
 *
 * <p>Inside the kernel matrix ({@code scripts/kernel-matrix} sets {@code BPFLUX_KERNEL_MATRIX} to
 * the release it booted) it checks the guest really runs that kernel, with the facts every other
 * kernel test relies on: BTF, a readable kernel config with the bpf syscall, kprobes, and JNA's
 * native library loading from the guest's /tmp. On the host it checks the host facts only.
 */
@KernelTest
class GuestKernelSmokeTest {
    private static final String MATRIX_KERNEL = System.getenv("BPFLUX_KERNEL_MATRIX");

    @Test
    void runsTheKernelTheMatrixBooted() throws IOException {
        String release = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        if (MATRIX_KERNEL != null) {
            assertEquals(MATRIX_KERNEL, release, "the guest booted a different kernel than requested");
        }
        assertTrue(release.matches("\\d+\\.\\d+.*"), "unexpected kernel release " + release);
    }

    @Test
    void kernelExposesBtf() {
        // bpflux's CO-RE and BTF-typed attach read the running kernel's types from here (5.4+).
        assertTrue(Files.isReadable(Path.of("/sys/kernel/btf/vmlinux")),
                "/sys/kernel/btf/vmlinux missing: kernel built without CONFIG_DEBUG_INFO_BTF");
    }

    @Test
    void kernelConfigIsReadableAndHasBpfSyscall() throws IOException {
        String release = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        List<String> config = readKernelConfig(release);
        if (MATRIX_KERNEL == null && config == null) {
            // The host need not ship its config; __kconfig externs then fail with a clear error.
            return;
        }
        assertTrue(config != null, "neither /boot/config-" + release + " nor /proc/config.gz is readable;"
                + " bpflux resolves __kconfig externs from them");
        assertTrue(config.contains("CONFIG_BPF_SYSCALL=y"), "kernel config lacks CONFIG_BPF_SYSCALL=y");
    }

    @Test
    void kprobePmuMatchesKernelConfig() throws IOException {
        // The development host has no kprobes; both matrix kernels (Debian cloud 6.1, 6.12) do.
        boolean kprobes = KernelRequirements.kernelHasKprobes();
        if (MATRIX_KERNEL != null) {
            assertTrue(kprobes, "matrix kernel " + MATRIX_KERNEL + " has no kprobe PMU"
                    + " (/sys/bus/event_source/devices/kprobe/type)");
        }
        String release = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        List<String> config = readKernelConfig(release);
        if (config != null) {
            // kernelHasKprobes() is what kernel tests branch on: it must agree with the build config.
            assertEquals(config.contains("CONFIG_KPROBES=y"), kprobes,
                    "the kprobe PMU's presence disagrees with CONFIG_KPROBES in the kernel config");
        }
        if (kprobes) {
            String type = Files.readString(Path.of("/sys/bus/event_source/devices/kprobe/type")).trim();
            assertTrue(Integer.parseInt(type) > 0, "kprobe PMU type " + type);
        }
    }

    @Test
    void jnaNativeLibraryLoads() throws IOException {
        // JNA unpacks libjnidispatch.so into java.io.tmpdir: the guest's /tmp must be a writable tmpfs.
        byte[] name = new byte[256];
        assertEquals(0, LibC.INSTANCE.gethostname(name, name.length), "gethostname() through JNA failed");
        int length = 0;
        while (length < name.length && name[length] != 0) {
            length++;
        }
        String expected = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        assertEquals(expected, new String(name, 0, length, StandardCharsets.UTF_8),
                "gethostname() through JNA disagrees with /proc/sys/kernel/hostname");
    }

    private static List<String> readKernelConfig(String release) throws IOException {
        Path boot = Path.of("/boot/config-" + release);
        if (Files.isReadable(boot)) {
            return Files.readAllLines(boot);
        }
        Path proc = Path.of("/proc/config.gz");
        if (Files.isReadable(proc)) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(proc))) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            }
        }
        return null;
    }
}
