package dev.bpflux.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.BpfNotSupportedException;
import dev.bpflux.map.BpfMap;
import dev.bpflux.prog.BpfProgram;
import dev.bpflux.prog.ProgramLoadRequest;
import dev.bpflux.obj.ProgramType;
import dev.bpflux.sys.OwnedFd;
import dev.bpflux.sys.PerfEventAttr;
import dev.bpflux.sys.PerfEvents;
import dev.bpflux.sys.SyscallTrigger;
import dev.bpflux.testing.KernelTest;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Arbitrary perf events, and the pre-5.15 ioctl attachment forced on this kernel. */
@KernelTest
class PerfEventLinkTest {

    @AfterEach
    void detectAgain() {
        PerfEventLink.forceLegacyAttach(false);
    }

    @Test
    void perfEventProgramSamplesCpuClockOfThisProcess() throws Exception {
        try (BpfMap hits = TestPrograms.counter();
                BpfProgram prog = BpfProgram.load(ProgramLoadRequest.builder(ProgramType.PERF_EVENT,
                        TestPrograms.countAll(hits.fd().fd(), 0)).name("sampler").build());
                PerfEventAttr attr = new PerfEventAttr()) {
            attr.type(PerfEventAttr.PERF_TYPE_SOFTWARE).config(PerfEventAttr.PERF_COUNT_SW_CPU_CLOCK)
                    .samplePeriod(100_000); // every 100 µs of CPU time
            OwnedFd event = PerfEvents.open(attr, 0, -1, -1, 0, "cpu-clock of this process");
            try (PerfEventLink link = PerfEventLink.attach(prog, event, 0)) {
                assertTrue(link.isBpfLink());
                long end = System.nanoTime() + 200_000_000L;
                long spin = 0;
                while (System.nanoTime() < end) {
                    spin++;
                }
                assertTrue(spin > 0);
                assertTrue(TestPrograms.read(hits) > 0, "200 ms of CPU must produce cpu-clock samples");
            }
            assertTrue(event.isClosed(), "the link owns and closes the event");
        }
    }

    @Test
    void legacyIoctlAttachmentCountsAndCannotBePinnedOrCarryACookie() {
        PerfEventLink.forceLegacyAttach(true);
        try (BpfMap hits = TestPrograms.counter();
                BpfProgram prog = BpfProgram.load(ProgramLoadRequest.builder(ProgramType.TRACEPOINT,
                        TestPrograms.countOwnThread(hits.fd().fd(), 0)).name("tp_legacy").build())) {
            try (TracepointLink link = TracepointLink.attach(prog, "syscalls", "sys_enter_getppid")) {
                assertFalse(link.isBpfLink());
                SyscallTrigger.getppid(4);
                assertEquals(4, TestPrograms.read(hits));
                BpfNotSupportedException pin = assertThrows(BpfNotSupportedException.class,
                        () -> link.pin(Path.of("/sys/fs/bpf/never")));
                assertTrue(pin.getMessage().contains("BPF links for perf events need Linux 5.15"), pin.getMessage());
            }
            SyscallTrigger.getppid(4);
            assertEquals(4, TestPrograms.read(hits), "closing the perf event detaches");
            BpfNotSupportedException cookie = assertThrows(BpfNotSupportedException.class,
                    () -> TracepointLink.attach(prog, "syscalls", "sys_enter_getppid", 7));
            assertEquals("BPF cookie for perf event attachments", cookie.feature());
        }
    }
}
