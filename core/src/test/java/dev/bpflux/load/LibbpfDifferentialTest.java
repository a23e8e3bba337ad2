package dev.bpflux.load;

import dev.bpflux.testing.TestPins;
import static dev.bpflux.load.LibbpfComparison.asLibbpfAnswers;
import static dev.bpflux.load.LibbpfComparison.assertSameAsLibbpf;
import static dev.bpflux.load.LibbpfComparison.oracle;
import static dev.bpflux.load.LibbpfComparison.run;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.BpfException;
import dev.bpflux.load.LibbpfComparison.OracleLoad;
import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.testing.KernelTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Loads each corpus object with libbpf (tools/libbpf-oracle) and with bpflux and compares what the
 * kernel holds: every program's translated instructions as {@code bpftool prog dump xlated} prints
 * them (map references normalised to map names; the dump also shows the func_info function names
 * and line_info source lines), program type and flags, and every map's type, key/value size, max
 * entries, flags, map_extra and BTF key/value type names ({@link LibbpfComparison}). Any difference
 * fails. {@link LibbpfToolsCorpusTest} does the same for third-party objects.
 *
 * <p>Deliberate differences, allowed here and documented in docs/loading.md:
 * <ul>
 *   <li>bpflux creates only the maps a loaded program references (per-program loading); libbpf
 *       creates every map. A map only libbpf created must be one no libbpf program uses.</li>
 * </ul>
 */
@KernelTest // also in the kernel matrix guests: scripts/kernel-matrix packs the oracle and bpftool with their libraries
class LibbpfDifferentialTest {
    /** Kfuncs corpus objects call without __weak, by object: bpf_task_acquire is Linux 6.2+. */
    static final Map<String, String> STRONG_KFUNCS = Map.of("kptr", "bpf_task_acquire");

    Path work;

    @BeforeEach
    void pinRoot() throws IOException {
        // A new directory each time: one named after the pid could hold pins of an earlier aborted run.
        work = TestPins.newDirectory("bpflux-diff-");
    }

    @AfterEach
    void cleanUp() throws IOException {
        try (Stream<Path> s = Files.walk(work)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"globals", "subprogs", "maps", "attach_tracepoints", "attach_net", "attach_uprobe",
            "attach_kprobe", "attach_perf_event", "kconfig", "ksyms", "kptr", "core_relocs"})
    void kernelHoldsWhatLibbpfLoads(String name) throws Exception {
        Path object = BpfObjectTest.CORPUS.resolve(name + ".bpf.o");
        Path libbpfPins = Files.createDirectories(work.resolve("libbpf"));
        String kfunc = STRONG_KFUNCS.get(name);
        if (kfunc != null && !Trigger.kernelHasFunction(kfunc)) {
            // The kernel lacks a kfunc the object calls (not weak): both loaders must refuse it.
            Process p = new ProcessBuilder(oracle().toString(), "load", object.toString(), libbpfPins.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() != 0, "libbpf loaded " + name + ": " + out);
            assertTrue(out.contains(kfunc), out);
            BpfException e = assertThrows(BpfException.class,
                    () -> BpfObject.load(object, LoadOptions.defaults()).close());
            assertTrue(e.getMessage().contains("kfunc '" + kfunc + "'"), e.getMessage());
            return;
        }
        OracleLoad libbpf = OracleLoad.parse(
                run(oracle().toString(), "load", object.toString(), libbpfPins.toString()));
        Path ourPins = Files.createDirectories(work.resolve("bpflux"));
        try (BpfObject obj = BpfObject.load(object, LoadOptions.defaults().withPinDirectory(ourPins)
                .withExternSource(asLibbpfAnswers(BpfObjectSpec.read(object))))) {
            assertSameAsLibbpf(name, libbpf, obj);
        }
    }
}
