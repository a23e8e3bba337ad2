package dev.bpflux.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.BpfException;
import org.junit.jupiter.api.Test;

class KernelVersionTest {
    @Test
    void plainRelease() {
        KernelVersion v = KernelVersion.detect("6.18.44-fc-v669", "#1 SMP PREEMPT_DYNAMIC @0", null);
        assertEquals("6.18.44", v.toString());
        assertEquals((6 << 16) | (18 << 8) | 44, v.code());
    }

    @Test
    void patchLevelIsClampedTo255() {
        assertEquals((4 << 16) | (19 << 8) | 255, KernelVersion.parse("4.19.325").code());
        assertEquals(325, KernelVersion.parse("4.19.325").patch());
    }

    @Test
    void debianTakesTheVersionFromUnameV() {
        KernelVersion v = KernelVersion.detect("6.1.0-27-amd64",
                "#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1 (2025-11-09)", null);
        assertEquals("6.1.158", v.toString());
        assertEquals((6 << 16) | (1 << 8) | 158, v.code());
    }

    @Test
    void ubuntuTakesTheVersionFromTheSignature() {
        KernelVersion v = KernelVersion.detect("5.15.0-91-generic", "#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023",
                "Ubuntu 5.15.0-91.101-generic 5.15.131");
        assertEquals("5.15.131", v.toString());
    }

    @Test
    void twoPartReleaseAndGarbage() {
        assertEquals("5.4.0", KernelVersion.parse("5.4").toString());
        assertThrows(BpfException.class, () -> KernelVersion.parse("linux"));
        assertTrue(KernelVersion.parse("6.6.1").atLeast(6, 6));
    }

    @Test
    void runningKernelIsReadable() {
        KernelVersion v = KernelVersion.current();
        assertTrue(v.major() >= 3, v.toString());
    }
}
