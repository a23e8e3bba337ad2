package dev.bpflux.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.samples.UnprivilegedJvm;
import dev.bpflux.testing.KernelTest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code bpflux inspect --kernel} run without capabilities: the kernel refuses every probe with EPERM, which says nothing
 * about what it supports. The report must say the probe needs privileges, never that ring buffers (which this
 * kernel has) are unsupported. A kernel test: only root can start a process that way.
 */
@KernelTest
class InspectUnprivilegedTest {
    static final Path SYSCALL_TRACE = Path.of("src/main/resources/bpf/syscall_trace.bpf.o");

    @Test
    void probesRefusedForWantOfPrivilegeAreNotUnsupported() throws Exception {
        try (UnprivilegedJvm nobody = new UnprivilegedJvm()) {
            Path object = nobody.share(SYSCALL_TRACE);
            UnprivilegedJvm.Result r = nobody.run(BpfluxCommand.class.getName(), "inspect", "--kernel",
                    object.toString());
            assertEquals(0, r.exit(), r.err());
            // With kernel.unprivileged_bpf_disabled=0 nobody may create ring buffers itself (Debian sets 2).
            if (!java.nio.file.Files.readString(Path.of("/proc/sys/kernel/unprivileged_bpf_disabled")).strip()
                    .equals("0")) {
                assertTrue(r.out().contains("probe_needs_privilege events: could not probe map type RINGBUF (map "
                        + "'events'): the kernel refused the probe with EPERM; a verdict needs root, or CAP_BPF"), r.out());
            }
            assertTrue(r.out().contains("probe_needs_privilege tracepoint: could not probe program type TRACEPOINT"),
                    r.out());
            assertFalse(r.out().contains("unsupported"), r.out());
        }
    }

    @Test
    void asRootTheSameReportHasVerdicts() {
        BpfluxCommandTest.Result r = BpfluxCommandTest.run("inspect", "--kernel", SYSCALL_TRACE.toString());
        assertEquals(0, r.exit(), r.err());
        assertFalse(r.out().contains("probe_needs_privilege"), r.out());
        assertFalse(r.out().contains("map_type_unsupported"), r.out());
    }
}
