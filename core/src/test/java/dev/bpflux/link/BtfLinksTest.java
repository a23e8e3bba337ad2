package dev.bpflux.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.BpfNotSupportedException;
import dev.bpflux.BpfSyscallException;
import dev.bpflux.map.BpfMap;
import dev.bpflux.obj.btf.Btf;
import dev.bpflux.obj.btf.BtfKind;
import dev.bpflux.obj.AttachType;
import dev.bpflux.prog.BpfProgram;
import dev.bpflux.prog.ProgramLoadRequest;
import dev.bpflux.obj.ProgramType;
import dev.bpflux.sys.SyscallTrigger;
import dev.bpflux.testing.KernelRequirements;
import dev.bpflux.testing.KernelTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Raw tracepoints and BTF-typed tracing programs (tp_btf, fentry, fexit), triggered and counted. */
@KernelTest
class BtfLinksTest {
    private static Btf vmlinux;

    @BeforeAll
    static void readKernelBtf() {
        vmlinux = Btf.readKernel();
    }

    private static int btfId(String name, BtfKind kind) {
        return vmlinux.findFirst(name, kind).orElseThrow(() -> new AssertionError(name + " not in vmlinux BTF"));
    }

    @Test
    void rawTracepointCountsOwnGetppidCalls() {
        try (BpfMap hits = TestPrograms.counter();
                BpfProgram prog = BpfProgram.load(ProgramLoadRequest.builder(ProgramType.RAW_TRACEPOINT,
                        TestPrograms.countOwnThreadSyscall(hits.fd().fd(), TestPrograms.NR_GETPPID)).name("raw_tp").build());
                RawTracepointLink link = RawTracepointLink.attach(prog, "sys_enter")) {
            assertEquals(LinkInfo.TYPE_RAW_TRACEPOINT, link.info().type());
            SyscallTrigger.getppid(10);
            assertEquals(10, TestPrograms.read(hits));
        }
    }

    @Test
    void unknownRawTracepoint() {
        try (BpfMap hits = TestPrograms.counter();
                BpfProgram prog = BpfProgram.load(ProgramLoadRequest.builder(ProgramType.RAW_TRACEPOINT,
                        TestPrograms.countAll(hits.fd().fd(), 0)).name("raw_tp").build())) {
            BpfSyscallException e = assertThrows(BpfSyscallException.class,
                    () -> RawTracepointLink.attach(prog, "no_such_raw_tp"));
            assertTrue(e.getMessage().contains("there is no raw tracepoint named 'no_such_raw_tp'"), e.getMessage());
        }
    }

    @Test
    void tpBtfCountsOwnGetppidCalls() {
        try (BpfMap hits = TestPrograms.counter();
                BpfProgram prog = BpfProgram.load(ProgramLoadRequest.builder(ProgramType.TRACING,
                        TestPrograms.countOwnThreadSyscall(hits.fd().fd(), TestPrograms.NR_GETPPID)).name("tp_btf")
                        .expectedAttachType(AttachType.TRACE_RAW_TP)
                        .attachBtfId(btfId("btf_trace_sys_enter", BtfKind.TYPEDEF)).build());
                TracingLink link = TracingLink.attach(prog)) {
            // tp_btf attachments are raw tracepoint links in the kernel's bookkeeping.
            assertEquals(LinkInfo.TYPE_RAW_TRACEPOINT, link.info().type());
            SyscallTrigger.getppid(10);
            assertEquals(10, TestPrograms.read(hits));
        }
    }

    @Test
    void tpBtfThroughThePre510RawTracepointOpenPath() {
        try (BpfMap hits = TestPrograms.counter();
                BpfProgram prog = BpfProgram.load(ProgramLoadRequest.builder(ProgramType.TRACING,
                        TestPrograms.countOwnThreadSyscall(hits.fd().fd(), TestPrograms.NR_GETPPID)).name("tp_btf_old")
                        .expectedAttachType(AttachType.TRACE_RAW_TP)
                        .attachBtfId(btfId("btf_trace_sys_enter", BtfKind.TYPEDEF)).build());
                TracingLink link = TracingLink.attachWithRawTracepointOpen(prog, "legacy tp_btf")) {
            assertEquals(LinkInfo.TYPE_RAW_TRACEPOINT, link.info().type());
            SyscallTrigger.getppid(5);
            assertEquals(5, TestPrograms.read(hits));
        }
    }

    @Test
    void fentryAndFexitCountOwnGetpgidCallsOrSayTrampolinesAreUnavailable() {
        int target = btfId(KprobeLink.syscallPrefix() + "getpgid", BtfKind.FUNC);
        try (BpfMap entries = TestPrograms.counter(); BpfMap exits = TestPrograms.counter()) {
            ProgramLoadRequest fentryRequest = ProgramLoadRequest.builder(ProgramType.TRACING,
                    TestPrograms.countOwnThread(entries.fd().fd(), 0)).name("fentry")
                    .expectedAttachType(AttachType.TRACE_FENTRY).attachBtfId(target).build();
            BpfProgram fentry;
            try {
                fentry = BpfProgram.load(fentryRequest);
            } catch (BpfNotSupportedException e) {
                // The development host (no kprobes, hardened VM kernel) refuses trampolines; the matrix
                // kernels (Debian 6.1/6.12, kprobes on) must load them.
                assertFalse(KernelRequirements.kernelHasKprobes(), "fentry must work on a stock kernel: " + e);
                assertEquals("BPF trampolines (fentry/fexit/fmod_ret/lsm)", e.feature());
                assertTrue(e.getMessage().contains("refused BPF_PROG_LOAD of BPF_PROG_TYPE_TRACING program 'fentry' "
                        + "with EPERM"), e.getMessage());
                return;
            }
            try (fentry;
                    BpfProgram fexit = BpfProgram.load(ProgramLoadRequest.builder(ProgramType.TRACING,
                            TestPrograms.countOwnThread(exits.fd().fd(), 0)).name("fexit")
                            .expectedAttachType(AttachType.TRACE_FEXIT).attachBtfId(target).build());
                    TracingLink a = TracingLink.attach(fentry, 42);
                    TracingLink b = TracingLink.attach(fexit)) {
                assertEquals(LinkInfo.TYPE_TRACING, a.info().type());
                assertTrue(b.isBpfLink());
                SyscallTrigger.getpgid(6);
                assertEquals(6, TestPrograms.read(entries));
                assertEquals(6, TestPrograms.read(exits));
            }
        }
    }
}
