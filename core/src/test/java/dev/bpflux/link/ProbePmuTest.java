package dev.bpflux.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.bpflux.BpfNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading a dynamic PMU's sysfs files, on a fake sysfs directory. */
class ProbePmuTest {
    @Test
    void typeAndRetprobeBit(@TempDir Path pmu) throws Exception {
        Files.writeString(pmu.resolve("type"), "8\n");
        Files.createDirectory(pmu.resolve("format"));
        Files.writeString(pmu.resolve("format").resolve("retprobe"), "config:0\n");
        assertEquals(8, KprobeLink.ProbePmu.type(pmu, "uprobe", "absent"));
        assertEquals(0, KprobeLink.ProbePmu.retprobeBit(pmu, "uprobe"));
    }

    @Test
    void missingPmuIsNotSupported(@TempDir Path dir) {
        BpfNotSupportedException e = assertThrows(BpfNotSupportedException.class,
                () -> KprobeLink.ProbePmu.type(dir.resolve("kprobe"), "kprobe", "kprobes are compiled out"));
        assertEquals("kprobe attach is not supported by this kernel: kprobes are compiled out", e.getMessage());
    }
}
