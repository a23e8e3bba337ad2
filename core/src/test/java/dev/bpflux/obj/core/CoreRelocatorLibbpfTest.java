package dev.bpflux.obj.core;

import dev.bpflux.testing.TestPins;
import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.obj.FunctionSpec;
import dev.bpflux.obj.Instructions;
import dev.bpflux.obj.ProgramSpec;
import dev.bpflux.obj.btf.Btf;
import dev.bpflux.testing.KernelTestCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * bpflux's CO-RE decisions against libbpf's on the same objects and kernel: the libbpf oracle
 * ({@code tools/libbpf-oracle}, libbpf 1.1) loads each object with debug logging, which reports for
 * every relocation the instruction it patched and the value, or that it poisoned it. Root: the
 * oracle loads and pins. Privileged like a {@code @KernelTest}, but not tagged {@code kernel}: the
 * oracle is built against the host's libbpf, which the kernel matrix guests do not have.
 */
@ExtendWith(KernelTestCondition.class)
class CoreRelocatorLibbpfTest {
    static final Path ORACLE = Path.of("../tools/libbpf-oracle/build/oracle");
    private static final Pattern PATCHED = Pattern.compile(
            "prog '([^']+)': relo #\\d+: patched insn #(\\d+) \\(([A-Z0-9/]+)\\) (imm|off|imm64|mem_sz) (\\d+) -> (\\d+)");
    private static final Pattern POISONED = Pattern.compile(
            "prog '([^']+)': relo #\\d+: substituting insn #(\\d+) w/ invalid insn");

    static Btf kernel;

    @BeforeAll
    static void setUp() throws Exception {
        if (!Files.isExecutable(ORACLE)) {
            Process p = new ProcessBuilder("make", "-C", "../tools/libbpf-oracle").inheritIO().start();
            assertEquals(0, p.waitFor(), "building the libbpf oracle");
        }
        kernel = Btf.readKernel();
    }

    /** libbpf's decisions: "function/insn" -> "imm 1264" / "off 8" / "mem_sz 4" / "poison". */
    static Map<String, List<String>> libbpfDecisions(Path object) throws IOException, InterruptedException {
        // A new directory: one named after the pid could hold pins of an earlier aborted run.
        Path pins = TestPins.newDirectory("bpflux-core-oracle-");
        Process p = new ProcessBuilder(ORACLE.toString(), "load", object.toString(), pins.toString(), "-v")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String log = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(); // exit 2 is fine: some objects do not load here; their relocations were logged first
        if (Files.exists(pins)) {
            try (Stream<Path> s = Files.walk(pins)) {
                for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(x);
                }
            }
        }
        Map<String, List<String>> out = new HashMap<>();
        for (String line : log.split("\n")) {
            Matcher m = PATCHED.matcher(line);
            if (m.find()) {
                out.computeIfAbsent(m.group(1) + "/" + m.group(2), k -> new ArrayList<>())
                        .add(m.group(4).replace("imm64", "imm") + " " + m.group(6));
                continue;
            }
            m = POISONED.matcher(line);
            if (m.find()) {
                out.computeIfAbsent(m.group(1) + "/" + m.group(2), k -> new ArrayList<>()).add("poison");
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"src/test/bpf/load/core_relocs.bpf.o", "src/test/bpf/load/attach_tracepoints.bpf.o",
            "src/test/bpf/load/attach_lsm.bpf.o", "src/test/bpf/load/kptr.bpf.o", "src/test/bpf/load/ksym_typed.bpf.o",
            "src/test/bpf/load/ksyms.bpf.o", "src/test/bpf/load/maps.bpf.o", "src/test/bpf/seed/kptr_cpumask.bpf.o",
            "src/test/bpf/seed/ksyscall_write_hist.bpf.o", "src/test/bpf/seed/ksym_task_storage_busy.bpf.o"})
    void sameDecisionsAsLibbpf(String file) throws Exception {
        Path path = Path.of(file);
        BpfObjectSpec object = BpfObjectSpec.read(path);
        Map<String, List<String>> libbpf = libbpfDecisions(path);
        CoreRelocator relocator = CoreRelocator.create(object.btf().orElseThrow(), TargetBtfs.of(kernel, Map.of()));
        List<FunctionSpec> functions = new ArrayList<>();
        object.programs().stream().map(ProgramSpec::function).forEach(functions::add);
        functions.addAll(object.subprograms());
        int compared = 0;
        for (FunctionSpec f : functions) {
            if (f.coreRelocations().isEmpty()) {
                continue;
            }
            CoreResult ours = relocator.relocate(f.instructions(), f.coreRelocations());
            for (CoreOutcome o : ours.outcomes()) {
                int insn = o.relocation().insnIndex();
                List<String> theirs = libbpf.get(f.name() + "/" + insn);
                assertNotNull(theirs, "libbpf logged no decision for " + f.name() + " insn #" + insn + " (" + o + ")");
                if (o.poisoned()) {
                    assertTrue(theirs.contains("poison"), f.name() + ": we poisoned " + o + ", libbpf: " + theirs);
                    assertEquals(Instructions.encode(0x85, 0, 0, 0, CoreRelocator.POISON_HELPER_ID),
                            ours.patched().raw(insn));
                } else {
                    assertFalse(theirs.contains("poison"), f.name() + ": libbpf poisoned " + o);
                    long patched = ours.patched().raw(insn);
                    int cls = Instructions.opcode(patched) & 7;
                    String what = cls == 0 ? "imm" : (cls == 4 || cls == 7) ? "imm" : "off";
                    assertTrue(theirs.contains(what + " " + Long.toUnsignedString(o.targetValue())),
                            f.name() + " insn #" + insn + ": ours " + what + " " + o.targetValue() + " (" + o
                                    + "), libbpf " + theirs);
                    for (String t : theirs) {
                        if (t.startsWith("mem_sz ")) {
                            int size = switch (Instructions.opcode(patched) & 0x18) {
                                case 0x00 -> 4;
                                case 0x08 -> 2;
                                case 0x10 -> 1;
                                default -> 8;
                            };
                            assertEquals(t, "mem_sz " + size, f.name() + " insn #" + insn);
                        }
                    }
                }
                compared++;
            }
        }
        int libbpfCount = libbpf.size();
        assertEquals(libbpfCount, compared, "every relocation libbpf logged was compared: " + libbpf.keySet());
        if (file.contains("core_relocs")) {
            assertTrue(compared >= 40, "core_relocs has over 40 relocations, compared " + compared);
        }
    }
}
