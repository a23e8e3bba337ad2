package dev.bpflux.load;

import dev.bpflux.testing.TestPins;
import static dev.bpflux.load.LibbpfComparison.asLibbpfAnswers;
import static dev.bpflux.load.LibbpfComparison.assertSameAsLibbpf;
import static dev.bpflux.load.LibbpfComparison.exec;
import static dev.bpflux.load.LibbpfComparison.oracle;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.bpflux.BpfException;
import dev.bpflux.BpfNotSupportedException;
import dev.bpflux.BpfVerifierException;
import dev.bpflux.load.LibbpfComparison.OracleLoad;
import dev.bpflux.load.LibbpfComparison.Run;
import dev.bpflux.load.compat.CompatibilityCheck;
import dev.bpflux.load.compat.CompatibilityReport;
import dev.bpflux.load.compat.ProgramCompatibility;
import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.obj.MapSpec;
import dev.bpflux.obj.MapType;
import dev.bpflux.obj.ProgramSpec;
import dev.bpflux.sys.Errno;
import dev.bpflux.testing.KernelRequirements;
import dev.bpflux.testing.KernelTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * bpflux's loader against BPF objects it was never tuned to: the CO-RE objects embedded in Debian's
 * libbpf-tools binaries (execsnoop, opensnoop, biolatency, offcputime, ...), extracted by
 * {@code scripts/fetch-libbpf-tools} into {@code build/corpus/libbpf-tools}. For each object:
 * <ul>
 *   <li>bpflux parses it and {@link CompatibilityCheck#analyze()} gives a verdict for every program;</li>
 *   <li>the whole object is loaded by libbpf (tools/libbpf-oracle) and by bpflux. When libbpf loads it,
 *       bpflux must load it and the kernel must hold the same thing ({@link LibbpfComparison}: translated
 *       instructions, maps used, map definitions, BTF type names). When libbpf refuses it, bpflux must
 *       refuse it too, naming the program libbpf failed on;</li>
 *   <li>when the whole object was refused, each program is loaded alone by both the same way
 *       ({@code oracle --program P}, {@link LoadOptions#withProgramsToLoad}), so that one program the kernel
 *       refuses (an fentry where trampolines are forbidden, a missing attach target, a CO-RE relocation on a
 *       changed struct) does not hide the other programs.</li>
 * </ul>
 *
 * <p>Sizing: these tools' user space sizes some maps before loading; both loaders get the same sizes by
 * one rule ({@link #sizing}): a map left at max_entries 0 gets {@value #MAX_ENTRIES} unless the loaders
 * size it themselves (perf event arrays: the number of CPUs) or the kernel requires 0 (local storage),
 * and a stack trace map left at value size 0 gets {@value #STACK_DEPTH} frames of 8 bytes (what
 * offcputime, wakeuptime and capable set: the kernel's default perf_event_max_stack).
 *
 * <p>Skips (fails with BPFLUX_REQUIRE_KERNEL=1) when the corpus was not extracted.
 */
@KernelTest // in the kernel matrix too: scripts/kernel-matrix packs build/corpus into the guest
class LibbpfToolsCorpusTest {
    static final Path CORPUS = Path.of("../build/corpus/libbpf-tools");
    static final int MAX_ENTRIES = 1024;
    static final int STACK_DEPTH = 127;
    /** Map types whose max_entries 0 the loaders replace (perf event arrays) or the kernel requires (local storage). */
    static final Set<MapType> SIZED_ELSEWHERE = Set.of(MapType.PERF_EVENT_ARRAY, MapType.SK_STORAGE,
            MapType.INODE_STORAGE, MapType.TASK_STORAGE, MapType.CGRP_STORAGE, MapType.CGROUP_STORAGE,
            MapType.PERCPU_CGROUP_STORAGE);
    /** libbpf names the program it failed on: "libbpf: prog 'NAME': ...". */
    static final Pattern LIBBPF_PROGRAM = Pattern.compile("libbpf: prog '([^']+)': ");
    /** libbpf's rewrite of a rejected poisoned instruction: "failed to resolve CO-RE relocation <byte_off> [77] struct inet_sock.freebind (...)". */
    static final Pattern LIBBPF_CORE_FAILURE = Pattern.compile(
            "failed to resolve CO-RE relocation <[^>]+> \\[\\d+\\] (?:struct |union |enum |typedef )?(\\w+)\\.(\\w+)");

    /** Per object, one line for the summary (docs/loading.md's table comes from it). */
    static final Map<String, String> OUTCOMES = new ConcurrentSkipListMap<>();
    /** Totals for the summary: programs, objects loaded whole by both, programs loaded by both (whole or alone). */
    static final AtomicInteger PROGRAMS = new AtomicInteger();
    static final AtomicInteger OBJECTS_LOADED = new AtomicInteger();
    static final AtomicInteger PROGRAMS_LOADED = new AtomicInteger();
    /** Programs both loaders refused alone, by cause. */
    static final Map<String, Integer> REFUSED = new ConcurrentSkipListMap<>();

    Path work;

    /** The one "object" when the corpus is missing: its test fails or skips saying how to fetch the corpus. */
    static final String MISSING = "corpus missing (scripts/fetch-libbpf-tools)";

    static Stream<String> objects() throws IOException {
        if (!Files.isDirectory(CORPUS)) {
            // A test that reports the reason: surefire would not show a skipped parameter source at all.
            return Stream.of(MISSING);
        }
        try (Stream<Path> s = Files.list(CORPUS)) {
            List<String> names = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".bpf.o"))
                    .map(n -> n.substring(0, n.length() - ".bpf.o".length())).sorted().toList();
            assertTrue(!names.isEmpty(), "no .bpf.o in " + CORPUS + ": run scripts/fetch-libbpf-tools --force");
            return names.stream();
        }
    }

    /** The sizes a tool's user space would set, by one rule for every object: map name to max entries / value size. */
    record Sizing(Map<String, Integer> maxEntries, Map<String, Integer> valueSizes) {
        LoadOptions apply(LoadOptions o) {
            for (Map.Entry<String, Integer> e : maxEntries.entrySet()) {
                o = o.withMaxEntries(e.getKey(), e.getValue());
            }
            for (Map.Entry<String, Integer> e : valueSizes.entrySet()) {
                o = o.withValueSize(e.getKey(), e.getValue());
            }
            return o;
        }

        List<String> oracleArgs() {
            List<String> args = new ArrayList<>();
            maxEntries.forEach((m, n) -> args.addAll(List.of("--max-entries", m + "=" + n)));
            valueSizes.forEach((m, n) -> args.addAll(List.of("--value-size", m + "=" + n)));
            return args;
        }
    }

    static Sizing sizing(BpfObjectSpec spec) {
        Map<String, Integer> maxEntries = new TreeMap<>();
        Map<String, Integer> valueSizes = new TreeMap<>();
        for (MapSpec m : spec.maps()) {
            if (m.maxEntries() == 0 && !SIZED_ELSEWHERE.contains(m.type())) {
                maxEntries.put(m.name(), MAX_ENTRIES);
            }
            if (m.type() == MapType.STACK_TRACE && m.valueSize() == 0) {
                valueSizes.put(m.name(), STACK_DEPTH * Long.BYTES);
            }
        }
        return new Sizing(maxEntries, valueSizes);
    }

    @BeforeEach
    void pinRoot() throws IOException {
        // A new directory each time: one named after the pid could hold pins of an earlier aborted run.
        work = TestPins.newDirectory("bpflux-corpus-");
    }

    @AfterEach
    void cleanUp() throws IOException {
        removePins(work);
    }

    static void removePins(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @AfterAll
    static void summary() {
        if (OUTCOMES.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder("libbpf-tools corpus on " + System.getProperty("os.version") + ":\n");
        OUTCOMES.forEach((k, v) -> sb.append(String.format("  %-15s %s%n", k, v)));
        sb.append(String.format("  total: %d objects (%d loaded whole by both, identical), %d programs: %d loaded by "
                + "both, identical; refused by both: %s%n", OUTCOMES.size(), OBJECTS_LOADED.get(), PROGRAMS.get(),
                PROGRAMS_LOADED.get(), REFUSED));
        System.out.print(sb);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("objects")
    void loadsAsLibbpfDoes(String tool) throws Exception {
        if (tool.equals(MISSING)) {
            String why = "no third-party corpus in " + CORPUS.toAbsolutePath().normalize()
                    + ": run scripts/fetch-libbpf-tools (scripts/test does)";
            if (KernelRequirements.required()) {
                fail(why + " (BPFLUX_REQUIRE_KERNEL=1)");
            }
            Assumptions.abort(why);
        }
        Path object = CORPUS.resolve(tool + ".bpf.o");
        BpfObjectSpec spec = BpfObjectSpec.read(object);
        Sizing sizing = sizing(spec);
        LoadOptions options = sizing.apply(LoadOptions.defaults());

        CompatibilityReport report = CompatibilityCheck.of(spec).withLoadOptions(options).analyze();
        assertEquals(spec.programs().stream().map(ProgramSpec::name).toList(),
                report.programs().stream().map(ProgramCompatibility::program).toList(),
                "a verdict for every program of " + tool + "\n" + report.toText());

        options = options.withExternSource(asLibbpfAnswers(spec));
        int programs = spec.programs().size();
        PROGRAMS.addAndGet(programs);
        String whole = loadBoth(tool, object, options, sizing, null);
        if (whole == null) {
            OUTCOMES.put(tool, programs + " programs: object loaded by both, identical");
            OBJECTS_LOADED.incrementAndGet();
            PROGRAMS_LOADED.addAndGet(programs);
            return;
        }
        int loaded = 0;
        Map<String, List<String>> refused = new TreeMap<>();
        for (ProgramSpec p : spec.programs()) {
            String cause = loadBoth(tool, object, options, sizing, p.name());
            if (cause == null) {
                loaded++;
                PROGRAMS_LOADED.incrementAndGet();
            } else {
                refused.computeIfAbsent(cause, c -> new ArrayList<>()).add(p.name());
                REFUSED.merge(cause.startsWith("CO-RE") ? "CO-RE relocation" : cause, 1, Integer::sum);
            }
        }
        StringBuilder line = new StringBuilder(programs + " programs: object refused by both (" + whole + "); alone: "
                + loaded + " loaded by both, identical");
        refused.forEach((cause, names) -> line.append("; ").append(names.size()).append(" refused by both, ")
                .append(cause).append(": ").append(String.join(" ", names)));
        OUTCOMES.put(tool, line.toString());
    }

    /**
     * Loads {@code object} (only {@code program} when not null) with libbpf and with bpflux and asserts they
     * agree. Returns null when both loaded it (and the kernel holds the same), else the cause both refused it for.
     */
    String loadBoth(String tool, Path object, LoadOptions options, Sizing sizing, String program)
            throws IOException, InterruptedException {
        String what = program == null ? tool : tool + "/" + program;
        Path libbpfPins = work.resolve("libbpf");
        Path ourPins = work.resolve("bpflux");
        removePins(libbpfPins);
        removePins(ourPins);
        Files.createDirectories(ourPins);
        List<String> cmd = new ArrayList<>(List.of(oracle().toString(), "load", object.toString(), libbpfPins.toString()));
        cmd.addAll(sizing.oracleArgs());
        if (program != null) {
            cmd.addAll(List.of("--program", program));
            options = options.withProgramsToLoad(program);
        }
        options = options.withPinDirectory(ourPins);
        Run libbpf = exec(cmd);
        if (libbpf.exit() == 0) {
            OracleLoad load = OracleLoad.parse(libbpf.out());
            BpfObject obj;
            try {
                obj = BpfObject.load(object, options);
            } catch (BpfException e) {
                throw new AssertionError("libbpf loaded " + what + " but bpflux refused it: " + e.getMessage(), e);
            }
            try (obj) {
                assertSameAsLibbpf(what, load, obj, LibbpfComparison.Dump.RAW);
            }
            return null;
        }
        assertEquals(2, libbpf.exit(), "oracle usage error: " + libbpf.err());
        String failedProgram = null;
        Matcher m = LIBBPF_PROGRAM.matcher(libbpf.err());
        while (m.find()) {
            failedProgram = m.group(1);
        }
        LoadOptions o = options;
        BpfException e = assertThrows(BpfException.class, () -> BpfObject.load(object, o).close(),
                () -> "libbpf refused " + what + " but bpflux loaded it; libbpf said:\n" + libbpf.err());
        String message = String.valueOf(e.getMessage());
        if (failedProgram != null) {
            String named = failedProgram;
            assertTrue(message.contains("'" + named + "'"), () -> "libbpf refused " + what + " at program '" + named
                    + "'; bpflux's refusal does not name it: " + message + "\nlibbpf said:\n" + libbpf.err());
        }
        Matcher core = LIBBPF_CORE_FAILURE.matcher(libbpf.err());
        if (core.find()) {
            // A CO-RE relocation the kernel's BTF cannot satisfy, in reachable code (the kernel changed the struct).
            String type = core.group(1);
            String field = core.group(2);
            assertTrue(message.contains("CO-RE relocation") && message.contains(type) && message.contains(field),
                    () -> "libbpf refused " + what + " for the CO-RE relocation of " + type + "." + field
                            + "; bpflux's refusal does not name it: " + message);
            return "CO-RE relocation " + type + "." + field;
        }
        return cause(e);
    }

    /** A short name for why a load was refused, for the summary. */
    static String cause(BpfException e) {
        String message = String.valueOf(e.getMessage());
        if (e instanceof BpfNotSupportedException n) {
            // "BPF trampolines (fentry/fexit/fmod_ret/lsm)": EPERM where policy forbids them (this host)
            return n.feature().replaceAll(" \\(.*\\)", "") + " not supported";
        }
        if (message.contains("the target does not exist")) {
            return "attach target missing";
        }
        if (e instanceof BpfVerifierException v) {
            return "verifier " + Errno.name(v.errno());
        }
        return e.getClass().getSimpleName();
    }

    static String lastLines(String s, int n) {
        List<String> lines = s.lines().filter(l -> !l.isBlank()).toList();
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }
}
