package dev.bpflux.link;

import dev.bpflux.testing.TestPins;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.BpfException;
import dev.bpflux.BpfNotSupportedException;
import dev.bpflux.map.BpfMap;
import dev.bpflux.prog.BpfProgram;
import dev.bpflux.prog.ProgramLoadRequest;
import dev.bpflux.obj.ProgramType;
import dev.bpflux.sys.SyscallTrigger;
import dev.bpflux.testing.KernelRequirements;
import dev.bpflux.testing.KernelTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Tracepoint, kprobe, uprobe and raw perf event attachments, triggered and counted. */
@KernelTest
class PerfEventLinksTest {

    private static BpfProgram load(ProgramType type, byte[] insns, String name) {
        return BpfProgram.load(ProgramLoadRequest.builder(type, insns).name(name).build());
    }

    @Test
    void tracepointCountsOwnGetppidCalls() {
        try (BpfMap hits = TestPrograms.counter();
                BpfProgram prog = load(ProgramType.TRACEPOINT, TestPrograms.countOwnThread(hits.fd().fd(), 0), "tp");
                TracepointLink link = TracepointLink.attach(prog, "syscalls", "sys_enter_getppid")) {
            assertTrue(link.isBpfLink(), "6.18 has BPF perf links");
            assertEquals(LinkInfo.TYPE_PERF_EVENT, link.info().type());
            assertEquals(prog.info().id(), link.info().programId());
            SyscallTrigger.getppid(10);
            assertEquals(10, TestPrograms.read(hits));
            link.close();
            SyscallTrigger.getppid(10);
            assertEquals(10, TestPrograms.read(hits), "closing the link detaches the program");
        }
    }

    @Test
    void tracepointCookieReachesTheProgram() {
        try (BpfMap slot = TestPrograms.counter();
                BpfProgram prog = load(ProgramType.TRACEPOINT, TestPrograms.storeCookie(slot.fd().fd()), "tp_cookie");
                TracepointLink link = TracepointLink.attach(prog, "syscalls", "sys_enter_getppid", 0x5eed_cafeL)) {
            assertTrue(link.isBpfLink());
            SyscallTrigger.getppid(1);
            assertEquals(0x5eed_cafeL, TestPrograms.read(slot));
        }
    }

    @Test
    void unknownTracepointNamesTheTracefsPath() {
        try (BpfMap hits = TestPrograms.counter();
                BpfProgram prog = load(ProgramType.TRACEPOINT, TestPrograms.countAll(hits.fd().fd(), 0), "tp")) {
            BpfException e = assertThrows(BpfException.class,
                    () -> TracepointLink.attach(prog, "syscalls", "sys_enter_no_such_call"));
            assertTrue(e.getMessage().startsWith("tracepoint syscalls/sys_enter_no_such_call does not exist: "),
                    e.getMessage());
            assertTrue(e.getMessage().contains("events/syscalls/sys_enter_no_such_call/id is missing"), e.getMessage());
        }
    }

    @Test
    void kprobeAttachesWhereTheKernelHasKprobesAndSaysWhyNotOtherwise() {
        try (BpfMap hits = TestPrograms.counter();
                BpfProgram prog = load(ProgramType.KPROBE, TestPrograms.countOwnThread(hits.fd().fd(), 0), "kp")) {
            if (KernelRequirements.kernelHasKprobes()) {
                try (KprobeLink link = KprobeLink.attachSyscall(prog, "getppid", true, false, 0)) {
                    assertEquals(KprobeLink.syscallPrefix() + "getppid", link.symbol());
                    SyscallTrigger.getppid(10);
                    assertEquals(10, TestPrograms.read(hits));
                }
            } else {
                BpfNotSupportedException e = assertThrows(BpfNotSupportedException.class,
                        () -> KprobeLink.attach(prog, "do_getpgid"));
                assertEquals("kprobe attach", e.feature());
                assertTrue(e.getMessage().startsWith("kprobe attach is not supported by this kernel: kprobes are "
                        + "compiled out of this kernel (CONFIG_KPROBES is not set)"), e.getMessage());
                assertThrows(BpfNotSupportedException.class,
                        () -> KprobeLink.attachSyscall(prog, "getppid", true, true, 0));
            }
        }
    }

    @Test
    void syscallFunctionNames() {
        assertEquals("__x64_sys_write", KprobeLink.syscallFunction("write", KprobeLink.syscallPrefix("amd64")));
        assertEquals("__arm64_sys_write", KprobeLink.syscallFunction("write", KprobeLink.syscallPrefix("aarch64")));
        assertEquals("sys_write", KprobeLink.syscallFunction("write", null));
    }

    @Test
    void uprobeOnLibcCountsOwnCalls() {
        Path libc = SyscallTrigger.libcPath();
        try (BpfMap entries = TestPrograms.counter(); BpfMap returns = TestPrograms.counter();
                // The probes fire for every thread of this process; the programs count this thread's calls.
                BpfProgram onEntry = load(ProgramType.KPROBE, TestPrograms.countOwnThread(entries.fd().fd(), 0), "up");
                BpfProgram onReturn = load(ProgramType.KPROBE, TestPrograms.countOwnThread(returns.fd().fd(), 0), "uret");
                UprobeLink entry = UprobeLink.attach(onEntry, libc, "getppid", TestPrograms.PID, false, 0);
                UprobeLink ret = UprobeLink.attach(onReturn, libc, "getppid", TestPrograms.PID, true, 0)) {
            assertEquals(UprobeLink.symbolOffset(libc, "getppid"), entry.fileOffset());
            assertTrue(ret.isReturnProbe());
            SyscallTrigger.getppid(7);
            assertEquals(7, TestPrograms.read(entries));
            assertEquals(7, TestPrograms.read(returns));
        }
    }

    @Test
    void uprobeMultiCountsTwoFunctionsWithOneLinkAndPassesPerOffsetCookies() {
        Path libc = SyscallTrigger.libcPath();
        if (!dev.bpflux.kernel.KernelVersion.current().atLeast(6, 6)) {
            try (BpfMap hits = TestPrograms.counter();
                    BpfProgram prog = BpfProgram.load(ProgramLoadRequest.builder(ProgramType.KPROBE,
                            TestPrograms.countAll(hits.fd().fd(), 0)).name("umulti").build())) {
                BpfNotSupportedException e = assertThrows(BpfNotSupportedException.class, () -> UprobeMultiLink
                        .attachSymbols(prog, libc, java.util.List.of("getppid"), null, TestPrograms.PID, false));
                assertEquals("uprobe_multi links", e.feature());
            }
            return;
        }
        try (BpfMap hits = TestPrograms.counter(); BpfMap cookie = TestPrograms.counter();
                BpfProgram counting = BpfProgram.load(ProgramLoadRequest.builder(ProgramType.KPROBE,
                        TestPrograms.countOwnThread(hits.fd().fd(), 0)).name("umulti")
                        .expectedAttachType(dev.bpflux.obj.AttachType.TRACE_UPROBE_MULTI).build());
                BpfProgram cookies = BpfProgram.load(ProgramLoadRequest.builder(ProgramType.KPROBE,
                        TestPrograms.storeCookie(cookie.fd().fd())).name("umulti_ck")
                        .expectedAttachType(dev.bpflux.obj.AttachType.TRACE_UPROBE_MULTI).build());
                UprobeMultiLink link = UprobeMultiLink.attachSymbols(counting, libc, java.util.List.of("getppid",
                        "getpgid"), null, TestPrograms.PID, false);
                UprobeMultiLink withCookies = UprobeMultiLink.attachSymbols(cookies, libc,
                        java.util.List.of("getppid", "getpgid"), new long[] {111, 222}, TestPrograms.PID, false)) {
            assertEquals(2, link.offsets().length);
            SyscallTrigger.getppid(3);
            assertEquals(111, TestPrograms.read(cookie));
            SyscallTrigger.getpgid(4);
            assertEquals(222, TestPrograms.read(cookie));
            assertEquals(7, TestPrograms.read(hits));
            assertTrue(withCookies.isBpfLink());
        }
    }

    @Test
    void uprobeOnMissingSymbolSaysSo() {
        Path libc = SyscallTrigger.libcPath();
        BpfException e = assertThrows(BpfException.class, () -> UprobeLink.symbolOffset(libc, "no_such_function_x"));
        assertTrue(e.getMessage().contains("has no symbol 'no_such_function_x'"), e.getMessage());
    }

    @Test
    void perfLinkPinsAndOpensPinned() throws Exception {
        Path dir = TestPins.newDirectory("bpflux-link");
        Path pin = dir.resolve("tp");
        try (BpfMap hits = TestPrograms.counter();
                BpfProgram prog = load(ProgramType.TRACEPOINT, TestPrograms.countOwnThread(hits.fd().fd(), 0), "tp")) {
            try (TracepointLink link = TracepointLink.attach(prog, "syscalls", "sys_enter_getppid")) {
                link.pin(pin);
                try (BpfLink again = BpfLink.openPinned(pin)) {
                    assertEquals(link.info().id(), again.info().id());
                }
            }
            // The pin keeps the attachment alive after our handles are closed.
            SyscallTrigger.getppid(3);
            assertEquals(3, TestPrograms.read(hits));
            Files.delete(pin);
            // Dropping the pin's reference frees the link from a kernel work item: detach is asynchronous.
            long deadline = System.nanoTime() + 5_000_000_000L;
            boolean detached = false;
            while (!detached && System.nanoTime() < deadline) {
                long before = TestPrograms.read(hits);
                SyscallTrigger.getppid(1);
                detached = TestPrograms.read(hits) == before;
                Thread.sleep(5);
            }
            assertTrue(detached, "unpinned and closed: the program must stop running");
        } finally {
            Files.deleteIfExists(pin);
            Files.delete(dir);
        }
    }
}
