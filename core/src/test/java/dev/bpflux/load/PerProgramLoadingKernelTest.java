package dev.bpflux.load;

import dev.bpflux.BpfException;
import dev.bpflux.kernel.KernelBtfs;
import dev.bpflux.load.compat.CompatibilityCheck;
import dev.bpflux.load.compat.CompatibilityReason;
import dev.bpflux.load.compat.CompatibilityReport;
import dev.bpflux.load.compat.ProgramCompatibility;
import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.obj.btf.BtfKind;
import dev.bpflux.testing.KernelTest;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One object shipped to every kernel: {@code compat/mixed_kfuncs.bpf.o} has a program calling the
 * {@code bpf_cpumask_*} kfuncs (Linux 6.3; absent on Debian's 6.1) and a plain tracepoint program. On
 * every kernel the plain program loads, attaches and counts alone; where the kfuncs are missing the report
 * names them and loading the whole object fails naming the first (libbpf 1.1 fails the whole object there
 * even when asked for the plain program only). Whether this kernel has them is read from its BTF.
 */
@KernelTest
class PerProgramLoadingKernelTest {
    static final Path MIXED = Path.of("src/test/bpf/compat/mixed_kfuncs.bpf.o");
    static final List<String> CPUMASK_KFUNCS = List.of("bpf_cpumask_create", "bpf_cpumask_copy",
            "bpf_cpumask_weight", "bpf_cpumask_release");

    static boolean kernelHasCpumaskKfuncs() {
        return KernelBtfs.system().vmlinux().btf().findByName("bpf_cpumask_create", BtfKind.FUNC).length > 0;
    }

    @Test
    void reportNamesTheMissingKfuncsAndThePlainProgramLoads() {
        BpfObjectSpec spec = BpfObjectSpec.read(MIXED);
        CompatibilityReport report = CompatibilityCheck.of(spec).analyze();
        System.out.println(report.toText());
        boolean cpumask = kernelHasCpumaskKfuncs();

        ProgramCompatibility plain = report.program("count_getpid");
        assertTrue(plain.loads(), plain::toString);
        assertEquals(ProgramCompatibility.Attach.YES, plain.attach(), plain::toString);

        ProgramCompatibility kfuncs = report.program("count_cpus");
        assertEquals(cpumask, kfuncs.loads(), kfuncs::toString);
        if (!cpumask) {
            List<String> missing = kfuncs.reasons(CompatibilityReason.Kind.MISSING_KFUNC).stream()
                    .map(CompatibilityReason::subject).toList();
            assertEquals(CPUMASK_KFUNCS, missing);
            assertTrue(kfuncs.reasons(CompatibilityReason.Kind.MISSING_KFUNC).get(0).message()
                    .contains("searched vmlinux"), kfuncs::toString);
            assertEquals(List.of("count_getpid"), report.loadablePrograms());
        } else {
            assertEquals(List.of("count_getpid", "count_cpus"), report.loadablePrograms());
        }
    }

    @Test
    void plainProgramLoadsAttachesAndCountsAloneOnEveryKernel() {
        BpfObjectSpec spec = BpfObjectSpec.read(MIXED);
        CompatibilityReport report = CompatibilityCheck.of(spec).analyze();
        try (BpfObject obj = BpfObject.load(spec, LoadOptions.defaults()
                .withProgramsToLoad(report.loadablePrograms())
                .withVariable("target_tgid", Trigger.tgid()))) {
            obj.program("count_getpid").attach();
            Trigger.getpid(5);
            assertTrue(obj.global("getpid_calls").readLong() >= 5);
            // The cpumask program's map exists only when that program was loaded.
            assertEquals(kernelHasCpumaskKfuncs(), obj.findMap("cpus").isPresent());
        }
        try (BpfObject obj = BpfObject.load(spec, LoadOptions.defaults().withProgramsToLoad("count_getpid"))) {
            assertEquals(List.of("count_getpid"), obj.programs().stream().map(ObjectProgram::name).toList());
            assertFalse(obj.findMap("cpus").isPresent());
        }
    }

    @Test
    void wholeObjectLoadsOnlyWhereTheKfuncsExist() {
        if (kernelHasCpumaskKfuncs()) {
            try (BpfObject obj = BpfObject.load(MIXED)) {
                assertEquals(2, obj.programs().size());
            }
        } else {
            BpfException e = assertThrows(BpfException.class, () -> BpfObject.load(MIXED).close());
            System.out.println("whole-object load on this kernel: " + e.getMessage());
            assertTrue(e.getMessage().contains("count_cpus") && e.getMessage().contains("bpf_cpumask_"),
                    e.getMessage());
        }
    }
}
