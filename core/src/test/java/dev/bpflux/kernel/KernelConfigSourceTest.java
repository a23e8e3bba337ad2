package dev.bpflux.kernel;

import dev.bpflux.obj.extern.KernelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelConfigSourceTest {
    @TempDir
    Path dir;

    @Test
    void systemReadsProcConfigGzFirst() throws IOException {
        KernelConfig c = KernelConfigSource.system().read();
        Path proc = Path.of("/proc/config.gz");
        if (Files.exists(proc)) {
            assertEquals("/proc/config.gz", c.source());
            assertEquals(List.of("/proc/config.gz"), c.searched());
            String hz;
            try (InputStream in = new GZIPInputStream(Files.newInputStream(proc))) {
                hz = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                        .filter(l -> l.startsWith("CONFIG_HZ=")).findFirst().orElseThrow().substring(10);
            }
            assertEquals(hz, c.value("CONFIG_HZ").orElseThrow());
        } else {
            assertTrue(c.searched().get(0).equals("/proc/config.gz"));
        }
    }

    @Test
    void nothingFoundRecordsEveryPlaceSearched() {
        Path a = dir.resolve("no-config.gz");
        Path b = dir.resolve("boot/config-6.1.0-27-amd64");
        KernelConfig c = KernelConfigSource.searching(List.of(a, b)).read();
        assertFalse(c.available());
        assertEquals(List.of(a.toString(), b.toString()), c.searched());
    }

    @Test
    void secondPlaceIsUsedWhenTheFirstIsMissingPlainOrGzipped() throws IOException {
        Path plain = dir.resolve("config-plain");
        Files.writeString(plain, "CONFIG_HZ=100\n# CONFIG_X is not set\n");
        KernelConfig c = KernelConfigSource.searching(List.of(dir.resolve("missing"), plain)).read();
        assertEquals(plain.toString(), c.source());
        assertEquals("100", c.value("CONFIG_HZ").orElseThrow());
        assertTrue(c.value("CONFIG_X").isEmpty());

        Path gz = dir.resolve("config.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
            o.write("CONFIG_HZ=300\n".getBytes(StandardCharsets.US_ASCII));
        }
        assertEquals("300", KernelConfigSource.system().withFile(gz).read().value("CONFIG_HZ").orElseThrow());
    }

    @Test
    void userValuesWinOverTheFile() throws IOException {
        Path plain = dir.resolve("config");
        Files.writeString(plain, "CONFIG_HZ=100\nCONFIG_PREEMPT=y\n");
        KernelConfig c = KernelConfigSource.system().withFile(plain).withValues(Map.of("CONFIG_HZ", "1000")).read();
        assertEquals("1000", c.value("CONFIG_HZ").orElseThrow());
        assertEquals("y", c.value("CONFIG_PREEMPT").orElseThrow());
        assertTrue(c.source().contains("load options") && c.source().contains(plain.toString()), c.source());

        KernelConfig only = KernelConfigSource.values(Map.of("CONFIG_HZ", "250")).read();
        assertTrue(only.available());
        assertEquals("250", only.value("CONFIG_HZ").orElseThrow());
        assertThrows(IllegalArgumentException.class, () -> KernelConfigSource.values(Map.of())
                .withValues(Map.of("HZ", "1")));
    }

    @Test
    void anExistingButUnreadableConfigIsAnError() throws IOException {
        Path d = Files.createDirectory(dir.resolve("a-directory"));
        assertThrows(dev.bpflux.BpfException.class, () -> KernelConfigSource.system().withFile(d).read());
    }

    @Test
    @org.junit.jupiter.api.Timeout(30)
    void aFifoOrAGzipBombIsRefusedNotReadForever(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("config-fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        IOException e = assertThrows(IOException.class, () -> KernelConfigSource.readText(fifo));
        assertTrue(e.getMessage().contains("is not a regular file"), e.getMessage());

        // 64 MiB of zeros, gzip'd to ~64 KiB: a config is ~300 KB.
        Path bomb = dir.resolve("config.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(bomb))) {
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 64; i++) {
                out.write(zeros);
            }
        }
        e = assertThrows(IOException.class, () -> KernelConfigSource.readText(bomb));
        assertTrue(e.getMessage().contains("MiB of text (decompressed); that is not a kernel config"), e.getMessage());
    }
}
