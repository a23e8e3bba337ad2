package dev.bpflux.load.compat;

import dev.bpflux.testing.TestPins;
import dev.bpflux.kernel.KernelBtfs;
import dev.bpflux.load.LoadOptions;
import dev.bpflux.load.ProgramUses;
import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.obj.btf.BtfKind;
import dev.bpflux.testing.KernelRequirements;
import dev.bpflux.testing.KernelTest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static dev.bpflux.load.compat.CompatibilityReason.Kind.KPROBES_UNAVAILABLE;
import static dev.bpflux.load.compat.CompatibilityReason.Kind.LOAD_FAILED;
import static dev.bpflux.load.compat.CompatibilityReason.Kind.MISSING_KFUNC;
import static dev.bpflux.load.compat.CompatibilityReason.Kind.TYPED_KSYM_NEEDS_KALLSYMS_ALL;
import static dev.bpflux.load.compat.CompatibilityReason.Kind.VERIFIER_REJECTED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The report's verdicts, reached without loading, agree with what loading (and attaching) each program
 * alone does on this kernel, for the seed examples and the loader's corpus. Nothing here knows the
 * host's verdicts in advance: the expected facts (data symbols in kallsyms, kprobes, cpumask kfuncs) are
 * read from the kernel, so the same test holds on the 6.18 host and in the 6.1 and 6.12 matrix guests.
 * Each report is printed for the matrix logs.
 */
@KernelTest
class CompatibilityReportKernelTest {
    static final Path SEED = Path.of("src/test/bpf/seed");
    static final Path CORPUS = Path.of("src/test/bpf/load");
    /** Rejected by the verifier on every kernel by design: a program bug, which analysis does not predict. */
    static final String VERIFIER_REJECT = "verifier_reject.bpf.o";

    static CompatibilityReport[] analyzeAndVerify(Path object) {
        BpfObjectSpec spec = BpfObjectSpec.read(object);
        // Verify mode loads for real: maps.bpf.o's LIBBPF_PIN_BY_NAME map would be pinned at (and reused
        // from) /sys/fs/bpf itself, left there for every later run and any other run at the same time.
        Path pins;
        try {
            pins = TestPins.newDirectory("bpflux-compat-report-");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        CompatibilityCheck check = CompatibilityCheck.of(spec).withLoadOptions(LoadOptions.defaults().withPinDirectory(pins));
        long t0 = System.nanoTime();
        CompatibilityReport analysis = check.analyze();
        long t1 = System.nanoTime();
        CompatibilityReport verified;
        try {
            verified = check.verify();
        } finally {
            try (Stream<Path> s = Files.walk(pins)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        long t2 = System.nanoTime();
        System.out.println(analysis.toText());
        System.out.println(verified.toText());
        System.out.printf("timing %s: analyze %.1f ms, verify %.1f ms (%d programs)%n%n", object.getFileName(),
                (t1 - t0) / 1e6, (t2 - t1) / 1e6, spec.programs().size());
        return new CompatibilityReport[] {analysis, verified};
    }

    static void assertAgree(CompatibilityReport analysis, CompatibilityReport verified) {
        assertFalse(analysis.verified());
        assertTrue(verified.verified());
        assertEquals(analysis.programs().size(), verified.programs().size());
        for (ProgramCompatibility a : analysis.programs()) {
            ProgramCompatibility v = verified.program(a.program());
            if (a.loads() && !v.loads() && v.has(VERIFIER_REJECTED) && !v.has(LOAD_FAILED)) {
                // The one failure analysis cannot foresee: the verifier refusing the program's code.
                System.out.println("beyond analysis: " + analysis.object() + " " + a.program()
                        + " was rejected by this kernel's verifier");
                continue;
            }
            assertEquals(v.loads(), a.loads(), () -> "load verdict of " + a.program() + " in " + analysis.object()
                    + ":\n" + analysis.toText() + verified.toText());
            assertEquals(v.attach(), a.attach(), () -> "attach verdict of " + a.program() + " in " + analysis.object()
                    + ":\n" + analysis.toText() + verified.toText());
        }
    }

    static List<Path> objects(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".bpf.o")).sorted().toList();
        }
    }

    static boolean kernelHasKfunc(String name) {
        return KernelBtfs.system().vmlinux().btf().findByName(name, BtfKind.FUNC).length > 0;
    }

    @Test
    void seedExamplesAgreeWithLoadingEachProgram() throws IOException {
        boolean dataSymbols = ProgramUses.kernelFacts(LoadOptions.defaults()).kallsymsHasDataSymbols();
        boolean kprobes = KernelRequirements.kernelHasKprobes();
        boolean cpumask = kernelHasKfunc("bpf_cpumask_create");
        List<Path> seeds = objects(SEED);
        assertEquals(4, seeds.size(), seeds::toString);
        for (Path o : seeds) {
            CompatibilityReport[] r = analyzeAndVerify(o);
            assertAgree(r[0], r[1]);
            String name = o.getFileName().toString();
            if (name.startsWith("ksym_")) {
                for (ProgramCompatibility p : r[0].programs()) {
                    assertEquals(!dataSymbols, p.has(TYPED_KSYM_NEEDS_KALLSYMS_ALL), p::toString);
                }
                if (!dataSymbols) {
                    ProgramCompatibility v = r[1].programs().get(0);
                    assertFalse(v.loads());
                    assertTrue(v.reasons(LOAD_FAILED).get(0).message().contains("CONFIG_KALLSYMS_ALL"), v::toString);
                }
            } else if (name.startsWith("ksyscall_")) {
                ProgramCompatibility p = r[0].program("bpf_prog3");
                assertTrue(p.loads(), p::toString);
                assertEquals(kprobes ? ProgramCompatibility.Attach.YES : ProgramCompatibility.Attach.NO, p.attach());
                assertEquals(!kprobes, p.has(KPROBES_UNAVAILABLE), p::toString);
            } else if (name.startsWith("kptr_cpumask")) {
                ProgramCompatibility p = r[0].program("record_task_cpumask");
                assertEquals(cpumask, p.loads(), p::toString);
                assertEquals(!cpumask, p.has(MISSING_KFUNC), p::toString);
                if (cpumask) {
                    assertEquals(ProgramCompatibility.Attach.YES, r[1].program("record_task_cpumask").attach());
                }
            }
        }
    }

    @Test
    void loaderCorpusAgreesWithLoadingEachProgram() throws IOException {
        List<Path> corpus = new java.util.ArrayList<>(objects(CORPUS));
        assertTrue(corpus.size() >= 10, corpus::toString);
        corpus.addAll(objects(Path.of("src/test/bpf/compat")));
        for (Path o : corpus) {
            if (o.getFileName().toString().equals(VERIFIER_REJECT)) {
                continue;
            }
            CompatibilityReport[] r = analyzeAndVerify(o);
            assertAgree(r[0], r[1]);
        }
    }

    /**
     * A program in a section of no known name stops only itself (as the loader, as libbpf), and the
     * report says why; set its type and target in the load options and the report follows them.
     */
    @Test
    void unknownSectionsAndPlaceholderTargetsAreReportedAsTheLoaderTreatsThem() {
        Path retarget = CORPUS.resolve("retarget.bpf.o");
        CompatibilityReport plain = CompatibilityCheck.of(BpfObjectSpec.read(retarget)).analyze();
        ProgramCompatibility mystery = plain.program("in_mystery");
        assertFalse(mystery.loads(), mystery::toString);
        assertTrue(mystery.has(CompatibilityReason.Kind.UNKNOWN_SECTION)
                && mystery.reasons(CompatibilityReason.Kind.UNKNOWN_SECTION).get(0).message()
                .contains("withProgramType(\"in_mystery\""), mystery::toString);
        assertFalse(plain.program("on_placeholder_tp").loads(), plain::toText);
        assertTrue(plain.program("on_placeholder_raw").loads(), plain::toText);
        CompatibilityReport set = CompatibilityCheck.of(BpfObjectSpec.read(retarget)).withLoadOptions(LoadOptions
                .defaults().withProgramType("in_mystery", dev.bpflux.obj.ProgramType.SOCKET_FILTER, null)
                .withAttachTarget("on_placeholder_tp", "sys_enter")).analyze();
        assertTrue(set.program("in_mystery").loads(), set::toText);
        assertTrue(set.program("on_placeholder_tp").loads(), set::toText);
        assertEquals(ProgramCompatibility.Attach.YES, set.program("on_placeholder_tp").attach(), set::toText);
    }

    /**
     * What analysis cannot see: the verifier rejecting the program's own code. Verify mode does, as
     * {@code verifier_rejected}; {@link #assertAgree} lets only that kind of failure differ.
     */
    @Test
    void verifierRejectionsShowOnlyInVerifyMode() {
        CompatibilityReport[] r = analyzeAndVerify(CORPUS.resolve(VERIFIER_REJECT));
        ProgramCompatibility a = r[0].program("read_past_stack");
        assertTrue(a.loads(), a::toString);
        ProgramCompatibility v = r[1].program("read_past_stack");
        assertFalse(v.loads(), v::toString);
        assertTrue(v.reasons(VERIFIER_REJECTED).get(0).message().contains("verifier log"), v::toString);
        assertTrue(r[0].program("accepted").loads());
        assertTrue(r[1].program("accepted").loads());
    }
}
