package dev.bpflux.load.compat;

import dev.bpflux.kernel.KallsymsReader;
import dev.bpflux.kernel.KernelBtfs;
import dev.bpflux.kernel.KernelConfigSource;
import dev.bpflux.kernel.RunningKernelFacts;
import dev.bpflux.load.LoadOptions;
import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.testing.KernelTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.bpflux.load.compat.CompatibilityReason.Kind.LOAD_FAILED;
import static dev.bpflux.load.compat.CompatibilityReason.Kind.MISSING_KFUNC;
import static dev.bpflux.load.compat.CompatibilityReason.Kind.MISSING_KSYM;
import static dev.bpflux.load.compat.CompatibilityReason.Kind.NO_KERNEL_CONFIG;
import static dev.bpflux.load.compat.CompatibilityReason.Kind.RESTRICTED_KALLSYMS;
import static dev.bpflux.load.compat.CompatibilityReason.Kind.WEAK_EXTERN_DEFAULTED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kernels a fleet has that this host is not, simulated through the facts the loader reads (the resolver's
 * own handling of these inputs is tested in {@code dev.bpflux.obj.extern}; here: the report classifies
 * them, and loading agrees): no kernel config anywhere, and kallsyms with every address zeroed (what an
 * unprivileged reader, or anyone under {@code kernel.kptr_restrict=2}, sees).
 */
@KernelTest
class CompatibilityScenariosKernelTest {
    static final Path KCONFIG = CompatibilityReportKernelTest.CORPUS.resolve("kconfig.bpf.o");
    static final Path KSYMS = CompatibilityReportKernelTest.CORPUS.resolve("ksyms.bpf.o");
    static final Path KSYM_TYPED = CompatibilityReportKernelTest.CORPUS.resolve("ksym_typed.bpf.o");
    static final Path MIXED = Path.of("src/test/bpf/compat/mixed_kfuncs.bpf.o");

    @Test
    void withoutAKernelConfigStrongKconfigExternsBlockAndWeakOnesReadZero(@TempDir Path dir) {
        Path nowhere = dir.resolve("no-such-config");
        LoadOptions noConfig = LoadOptions.defaults().withKernelConfig(nowhere);

        CompatibilityCheck kconfig = CompatibilityCheck.of(BpfObjectSpec.read(KCONFIG)).withLoadOptions(noConfig);
        CompatibilityReport analysis = kconfig.analyze();
        CompatibilityReport verified = kconfig.verify();
        System.out.println(analysis.toText());
        System.out.println(verified.toText());
        CompatibilityReportKernelTest.assertAgree(analysis, verified);
        ProgramCompatibility p = analysis.program("copy_kconfig");
        assertFalse(p.loads());
        List<String> strong = p.reasons(NO_KERNEL_CONFIG).stream().map(CompatibilityReason::subject).toList();
        assertTrue(strong.contains("CONFIG_BPF_SYSCALL") && strong.contains("CONFIG_HZ"), strong::toString);
        String m = p.reasons(NO_KERNEL_CONFIG).get(0).message();
        assertTrue(m.contains(nowhere.toString()) && m.contains("Supply one"), m);
        List<String> weak = p.reasons(WEAK_EXTERN_DEFAULTED).stream().map(CompatibilityReason::subject).toList();
        assertTrue(weak.contains("CONFIG_KPROBES") && weak.contains("CONFIG_BPFLUX_MISSING_INT"), weak::toString);
        assertTrue(verified.program("copy_kconfig").reasons(LOAD_FAILED).get(0).message()
                .contains("no kernel config found"), verified::toText);

        // A program with only a weak kconfig extern loads, with a warning naming it.
        CompatibilityCheck mixed = CompatibilityCheck.of(BpfObjectSpec.read(MIXED)).withLoadOptions(noConfig);
        CompatibilityReport mixedReport = mixed.analyze();
        System.out.println(mixedReport.toText());
        ProgramCompatibility plain = mixedReport.program("count_getpid");
        assertTrue(plain.loads(), plain::toString);
        assertEquals(List.of("CONFIG_HZ"), plain.reasons(WEAK_EXTERN_DEFAULTED).stream()
                .map(CompatibilityReason::subject).toList());
        assertTrue(mixedReport.warnings().stream().anyMatch(w -> w.contains("[CONFIG_HZ]")
                && w.contains(nowhere.toString())), mixedReport.warnings()::toString);
        assertTrue(mixed.verify().program("count_getpid").loads());
    }

    @Test
    void restrictedKallsymsBlocksUntypedKsymsOnly(@TempDir Path dir) throws IOException {
        Path zeroed = zeroedKallsyms(dir.resolve("kallsyms"));
        RunningKernelFacts restricted = RunningKernelFacts.of(KernelBtfs.system(), KernelConfigSource.system(),
                KallsymsReader.of(zeroed));

        CompatibilityCheck ksyms = CompatibilityCheck.of(BpfObjectSpec.read(KSYMS)).withKernelFacts(restricted);
        CompatibilityReport analysis = ksyms.analyze();
        CompatibilityReport verified = ksyms.verify();
        System.out.println(analysis.toText());
        System.out.println(verified.toText());
        CompatibilityReportKernelTest.assertAgree(analysis, verified);
        ProgramCompatibility p = analysis.program("use_ksyms");
        assertFalse(p.loads());
        assertEquals(List.of("do_unlinkat"), p.reasons(RESTRICTED_KALLSYMS).stream()
                .map(CompatibilityReason::subject).toList());
        assertTrue(p.reasons(RESTRICTED_KALLSYMS).get(0).message().contains("address 0"), p::toString);
        // kfuncs are found through BTF: the strong ones still resolve.
        assertFalse(p.has(MISSING_KFUNC), p::toString);
        assertTrue(verified.program("use_ksyms").reasons(LOAD_FAILED).get(0).message().contains("address 0"));

        // Typed ksyms are found through BTF too: the verdict is the same as with the real kallsyms.
        BpfObjectSpec typed = BpfObjectSpec.read(KSYM_TYPED);
        CompatibilityReport typedRestricted = CompatibilityCheck.of(typed).withKernelFacts(restricted).analyze();
        CompatibilityReport typedReal = CompatibilityCheck.of(typed).analyze();
        System.out.println(typedRestricted.toText());
        for (ProgramCompatibility t : typedRestricted.programs()) {
            assertFalse(t.has(MISSING_KSYM) || t.has(RESTRICTED_KALLSYMS), t::toString);
            assertEquals(typedReal.program(t.program()).loads(), t.loads(), t::toString);
        }
    }

    /** /proc/kallsyms as a reader without CAP_SYSLOG sees it: every address 0. */
    static Path zeroedKallsyms(Path out) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(Path.of("/proc/kallsyms"));
                BufferedWriter w = Files.newBufferedWriter(out)) {
            String line;
            while ((line = in.readLine()) != null) {
                int sp = line.indexOf(' ');
                w.write("0".repeat(Math.max(sp, 16)));
                w.write(line, sp, line.length() - sp);
                w.newLine();
            }
        }
        return out;
    }
}
