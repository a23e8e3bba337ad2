package dev.bpflux.samples.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bpflux.samples.UnprivilegedJvm;
import dev.bpflux.testing.KernelTest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * trace-syscalls' command line: invalid options and missing privileges give one line and a non-zero exit.
 * The timeout ends a run that was not refused: as root an accepted command traces until stopped.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TraceSyscallsCommandTest {
    record Result(int exit, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = TraceSyscalls.commandLine();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int exit = cmd.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void negativeCountIsAUsageError() {
        Result r = run("--count", "-1");
        assertEquals(2, r.exit());
        assertEquals("trace-syscalls: --count must be at least 1, not -1 (see --help)\n", r.err());
    }

    @Test
    void negativePidIsAUsageError() {
        Result r = run("--pid", "-5");
        assertEquals(2, r.exit());
        assertEquals("trace-syscalls: --pid must be a process id, or 0 for all processes, not -5 (see --help)\n",
                r.err());
    }

    @Test
    void zeroDurationIsAUsageError() {
        assertEquals(2, run("--duration", "0s").exit());
    }

    @Test
    void unknownOptionIsOneLine() {
        Result r = run("--bogus");
        assertEquals(2, r.exit());
        assertEquals("trace-syscalls: Unknown option: '--bogus' (see --help)\n", r.err());
    }

    /** Only root can become nobody for this test, hence a kernel test. */
    @Test
    @KernelTest
    void withoutPrivilegesOneLineSaysWhatIsNeeded() throws Exception {
        try (UnprivilegedJvm nobody = new UnprivilegedJvm()) {
            UnprivilegedJvm.Result r = nobody.run(TraceSyscalls.class.getName(), "--count", "1");
            assertEquals(1, r.exit(), r.err());
            assertEquals("trace-syscalls: needs root, or CAP_BPF and CAP_PERFMON (CAP_SYS_ADMIN before Linux 5.8), "
                    + "to load and attach its tracepoint programs\n", r.err());
            assertEquals("", r.out());
        }
    }
}
