package dev.bpflux.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Memory;
import dev.bpflux.BpfSyscallException;
import dev.bpflux.testing.KernelTest;
import org.junit.jupiter.api.Test;

/** The real system calls: epoll + eventfd, perf_event_open, if_nametoindex, statfs. */
class NativeDoorTest {

    @Test
    void eventfdWakesEpoll() {
        try (Epoll epoll = Epoll.create(); EventFd event = EventFd.create();
                Memory events = new Memory(4L * Epoll.EVENT_SIZE)) {
            epoll.add(event.fd(), Epoll.EPOLLIN, 1234);
            assertEquals(0, epoll.await(events, 0));
            event.signal(3);
            assertEquals(1, epoll.await(events, 1000));
            assertEquals(1234, Epoll.data(events, 0));
            assertTrue((Epoll.events(events, 0) & Epoll.EPOLLIN) != 0);
            assertEquals(3, event.drain());
            assertEquals(0, event.drain());
        }
    }

    @Test
    void loopbackHasAnIndexAndMissingInterfaceIsEnodev() {
        assertEquals(1, SystemCalls.linux().ifNameToIndex("lo"));
        com.sun.jna.LastErrorException e = assertThrows(com.sun.jna.LastErrorException.class,
                () -> SystemCalls.linux().ifNameToIndex("nosuchif0"));
        assertEquals(Errno.ENODEV, e.getErrorCode());
    }

    @Test
    void statfsReadsTheFileSystemMagic() {
        assertEquals(0x9fa0L, SystemCalls.linux().statfsType("/proc"), "PROC_SUPER_MAGIC: f_type is read at offset 0");
        assertFalse(BpfFilesystem.holds(java.nio.file.Path.of("/proc")));
        com.sun.jna.LastErrorException e = assertThrows(com.sun.jna.LastErrorException.class,
                () -> SystemCalls.linux().statfsType("/nonexistent/bpflux"));
        assertEquals(Errno.ENOENT, e.getErrorCode());
    }

    @Test
    @KernelTest
    void bpffsIsRecognised() {
        assertTrue(BpfFilesystem.holds(java.nio.file.Path.of("/sys/fs/bpf")), "bpffs mounted at /sys/fs/bpf");
    }

    @Test
    @KernelTest
    void softwarePerfEventOpensAndEnables() {
        try (PerfEventAttr attr = new PerfEventAttr()) {
            attr.type(PerfEventAttr.PERF_TYPE_SOFTWARE).config(PerfEventAttr.PERF_COUNT_SW_BPF_OUTPUT)
                    .sampleType(PerfEventAttr.PERF_SAMPLE_RAW).samplePeriod(1).wakeup(1);
            try (OwnedFd fd = PerfEvents.open(attr, -1, 0, -1, 0, "bpf output event on CPU 0")) {
                PerfEvents.enable(fd);
                PerfEvents.disable(fd);
            }
        }
    }

    @Test
    @KernelTest
    void unknownPmuGivesAClearError() {
        try (PerfEventAttr attr = new PerfEventAttr()) {
            attr.type(0x7fff_fff0);
            BpfSyscallException e = assertThrows(BpfSyscallException.class,
                    () -> PerfEvents.open(attr, -1, 0, -1, 0, "event of PMU 0x7ffffff0"));
            assertTrue(e.getMessage().startsWith("perf_event_open of event of PMU 0x7ffffff0 failed with ENOENT"),
                    e.getMessage());
        }
    }
}
