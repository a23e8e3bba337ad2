package dev.bpflux.load;

import dev.bpflux.testing.TestPins;
import dev.bpflux.load.compat.CompatibilityCheck;
import dev.bpflux.load.compat.CompatibilityReason;
import dev.bpflux.load.compat.CompatibilityReport;
import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.testing.KernelTest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Evidence for docs/one-object-many-kernels.md: asked for one program of an object whose other program
 * calls a kfunc the kernel lacks ({@code compat/future_kfunc.bpf.o}), libbpf 1.1 fails the whole load
 * (it resolves every extern of the object) while bpflux loads the program asked for.
 */
@KernelTest
class PerProgramLoadingLibbpfTest {
    static final Path FUTURE = Path.of("src/test/bpf/compat/future_kfunc.bpf.o");

    @Test
    void libbpfFailsTheObjectWhereBpfluxLoadsTheProgramAskedFor() throws IOException, InterruptedException {
        Path oracle = LibbpfComparison.oracle();
        Path pins = TestPins.newDirectory("bpflux-compat-"); // not an aborted run's
        try {
            Process p = new ProcessBuilder(oracle.toString(), "load", FUTURE.toString(), pins.toString(), "--program",
                    "count_getpid").start();
            p.getInputStream().readAllBytes();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            System.out.println("libbpf, --program count_getpid: exit " + p.exitValue() + "\n" + err);
            assertEquals(2, p.exitValue(), err);
            assertTrue(err.contains("extern (func ksym) 'bpflux_future_kfunc': not found in kernel or module BTFs"),
                    err);
        } finally {
            try (var s = Files.walk(pins)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }

        BpfObjectSpec spec = BpfObjectSpec.read(FUTURE);
        CompatibilityReport report = CompatibilityCheck.of(spec).analyze();
        System.out.println(report.toText());
        assertEquals(List.of("bpflux_future_kfunc"), report.program("call_future")
                .reasons(CompatibilityReason.Kind.MISSING_KFUNC).stream().map(CompatibilityReason::subject).toList());
        try (BpfObject obj = BpfObject.load(spec, LoadOptions.defaults().withProgramsToLoad(report.loadablePrograms()))) {
            obj.program("count_getpid").attach();
            Trigger.getpid(3);
            assertTrue(obj.global("calls").readLong() >= 3);
        }
    }
}
