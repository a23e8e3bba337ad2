package dev.bpflux.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.bpflux.map.BpfMap;
import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.obj.ExternSpec;
import dev.bpflux.obj.extern.ExternResolution;
import dev.bpflux.testing.KernelRequirements;
import dev.bpflux.map.MapInfo;
import dev.bpflux.prog.BpfProgram;
import dev.bpflux.prog.ProgramInfo;
import dev.bpflux.testing.KernelTestCondition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * entries, flags, map_extra and BTF key/value type names. Any difference fails.
 *
 * <p>Deliberate differences, allowed here and documented in docs/loading.md:
 * <ul>
 *   <li>bpflux creates only the maps a loaded program references (per-program loading); libbpf
 *       creates every map. A map only libbpf created must be one no libbpf program uses.</li>
 * </ul>
 */
@Tag("libbpf-oracle")
@ExtendWith(KernelTestCondition.class) // root needed, but not tagged "kernel": the matrix guests have no libbpf/bpftool
class LibbpfDifferentialTest {
    static final Path ORACLE_DIR = Path.of("../tools/libbpf-oracle");
    static final Pattern ENTRY = Pattern.compile("\\{\"name\":\"([^\"]+)\",\"id\":(\\d+)");
    static final Pattern MAP_REF = Pattern.compile("map\\[id:(\\d+)\\]");

    Path work;

    @BeforeEach
    void pinRoot() throws IOException {
        work = Path.of("/sys/fs/bpf/bpflux-diff-" + ProcessHandle.current().pid());
        Files.createDirectories(work);
    }

    @AfterEach
    void cleanUp() throws IOException {
        try (Stream<Path> s = Files.walk(work)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            fail(String.join(" ", cmd) + " failed (" + p.exitValue() + "): " + err);
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    static Path oracle() throws IOException, InterruptedException {
        Path bin = ORACLE_DIR.resolve("build/oracle");
        if (!Files.isExecutable(bin)) {
            run("make", "-C", ORACLE_DIR.toString());
        }
        return bin;
    }

    /** What the kernel holds for one load, by program and map name. */
    record View(Map<String, String> programs, Map<String, String> maps, Map<String, List<String>> programMaps) {
    }

    View view(Map<String, Integer> programIds) throws IOException, InterruptedException {
        Map<String, String> programs = new TreeMap<>();
        Map<String, String> maps = new TreeMap<>();
        Map<String, List<String>> programMaps = new TreeMap<>();
        Map<Integer, String> mapNames = new HashMap<>();
        Map<Integer, Map<Integer, String>> btfNames = new HashMap<>();
        for (Map.Entry<String, Integer> p : programIds.entrySet()) {
            ProgramInfo info;
            try (BpfProgram prog = BpfProgram.fromId(p.getValue())) {
                info = prog.info();
            }
            List<String> used = new ArrayList<>();
            for (int mapId : info.mapIds()) {
                try (BpfMap m = BpfMap.fromId(mapId)) {
                    MapInfo mi = m.info();
                    mapNames.put(mapId, mi.name());
                    used.add(mi.name());
                    maps.put(mi.name(), describe(mi, btfNames));
                }
            }
            programMaps.put(p.getKey(), used);
            String dump = run("bpftool", "prog", "dump", "xlated", "id", String.valueOf(p.getValue()));
            Matcher m = MAP_REF.matcher(dump);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(sb, Matcher.quoteReplacement("map[" + mapNames.getOrDefault(
                        Integer.parseInt(m.group(1)), "?" + m.group(1)) + "]"));
            }
            m.appendTail(sb);
            programs.put(p.getKey(), "type " + info.typeNumber() + " gpl " + info.gplCompatible() + " xlated "
                    + info.xlatedLength() + "\n" + sb);
        }
        return new View(programs, maps, programMaps);
    }

    String describe(MapInfo mi, Map<Integer, Map<Integer, String>> btfNames) throws IOException, InterruptedException {
        String key = "-";
        String value = "-";
        if (mi.btfId() != 0) {
            Map<Integer, String> names = btfNames.get(mi.btfId());
            if (names == null) {
                names = new HashMap<>();
                Pattern line = Pattern.compile("^\\[(\\d+)\\] (\\w+) '([^']*)'", Pattern.MULTILINE);
                Matcher m = line.matcher(run("bpftool", "btf", "dump", "id", String.valueOf(mi.btfId())));
                while (m.find()) {
                    names.put(Integer.parseInt(m.group(1)), m.group(2) + " " + m.group(3));
                }
                btfNames.put(mi.btfId(), names);
            }
            key = mi.btfKeyTypeId() == 0 ? "-" : names.get(mi.btfKeyTypeId());
            value = mi.btfValueTypeId() == 0 ? "-" : names.get(mi.btfValueTypeId());
        }
        return "type " + mi.typeNumber() + " key " + mi.keySize() + " value " + mi.valueSize() + " max "
                + mi.maxEntries() + " flags 0x" + Integer.toHexString(mi.flags()) + " extra " + mi.mapExtra()
                + " btf key " + key + " btf value " + value;
    }

    static String firstDifference(String a, String b) {
        String[] x = a.split("\n");
        String[] y = b.split("\n");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            String l = i < x.length ? x[i] : "<end>";
            String r = i < y.length ? y[i] : "<end>";
            if (!l.equals(r)) {
                return "line " + (i + 1) + ": libbpf [" + l + "] bpflux [" + r + "]";
            }
        }
        return "nowhere";
    }

    /**
     * Deliberate difference: LINUX_HAS_SYSCALL_WRAPPER. libbpf decides it by creating a kprobe on
     * __<arch>_sys_bpf, so on a kernel without kprobes it answers false although syscalls are wrapped;
     * bpflux looks the wrapper up in kernel BTF/kallsyms and answers true. To compare everything else,
     * bpflux is given libbpf's answer here.
     */
    static ExternSource asLibbpfAnswers(BpfObjectSpec spec) {
        DefaultExterns real = DefaultExterns.create(spec, LoadOptions.defaults());
        return new ExternSource() {
            @Override
            public ExternResolution resolve(ExternSpec e) {
                return resolveAll(List.of(e)).get(e);
            }

            @Override
            public Map<ExternSpec, ExternResolution> resolveAll(List<ExternSpec> externs) {
                Map<ExternSpec, ExternResolution> out = new LinkedHashMap<>(real.resolveAll(externs));
                for (ExternSpec e : externs) {
                    if (e.name().equals("LINUX_HAS_SYSCALL_WRAPPER") && !KernelRequirements.kernelHasKprobes()) {
                        out.put(e, new ExternResolution.KconfigValue(new byte[] {0}));
                    }
                }
                return out;
            }
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"globals", "subprogs", "maps", "attach_tracepoints", "attach_net", "attach_uprobe",
            "attach_kprobe", "attach_perf_event", "kconfig", "ksyms", "kptr", "core_relocs"})
    void kernelHoldsWhatLibbpfLoads(String name) throws Exception {
        Path object = BpfObjectTest.CORPUS.resolve(name + ".bpf.o");
        Path libbpfPins = Files.createDirectories(work.resolve("libbpf"));
        String json = run(oracle().toString(), "load", object.toString(), libbpfPins.toString());
        int programsEnd = json.indexOf("\"maps\"");
        Map<String, Integer> libbpfPrograms = new LinkedHashMap<>();
        Matcher m = ENTRY.matcher(json.substring(0, programsEnd));
        while (m.find()) {
            libbpfPrograms.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        TreeSet<String> libbpfMaps = new TreeSet<>();
        m = ENTRY.matcher(json.substring(programsEnd));
        while (m.find()) {
            libbpfMaps.add(dev.bpflux.map.MapDefinition.sanitizeName(m.group(1))); // the kernel keeps 15 bytes
        }
        View libbpf = view(libbpfPrograms);

        Path ourPins = Files.createDirectories(work.resolve("bpflux"));
        View ours;
        TreeSet<String> ourMaps = new TreeSet<>();
        try (BpfObject obj = BpfObject.load(object, LoadOptions.defaults().withPinDirectory(ourPins)
                .withExternSource(asLibbpfAnswers(BpfObjectSpec.read(object))))) {
            Map<String, Integer> ids = new LinkedHashMap<>();
            obj.programs().forEach(p -> ids.put(p.name(), p.id()));
            obj.maps().values().forEach(mp -> ourMaps.add(mp.info().name()));
            ours = view(ids);
        }

        assertEquals(libbpf.programs().keySet(), ours.programs().keySet(), "programs loaded");
        for (String p : libbpf.programs().keySet()) {
            String want = libbpf.programs().get(p);
            String got = ours.programs().get(p);
            if (!want.equals(got)) {
                fail("program " + p + " of " + name + " differs from libbpf's at " + firstDifference(want, got)
                        + "\n--- libbpf:\n" + want + "\n--- bpflux:\n" + got);
            }
            assertEquals(libbpf.programMaps().get(p), ours.programMaps().get(p), "maps used by " + p);
        }
        assertEquals(libbpf.maps(), ours.maps(), "definitions of the maps programs use");
        // Per-program loading (deliberate): libbpf may have created maps no program uses.
        TreeSet<String> onlyLibbpf = new TreeSet<>(libbpfMaps);
        onlyLibbpf.removeAll(ourMaps);
        for (String map : onlyLibbpf) {
            assertTrue(libbpf.programMaps().values().stream().noneMatch(l -> l.contains(map)),
                    "map " + map + " was created only by libbpf but a libbpf program uses it");
        }
        TreeSet<String> onlyOurs = new TreeSet<>(ourMaps);
        onlyOurs.removeAll(libbpfMaps);
        assertTrue(onlyOurs.isEmpty(), "maps only bpflux created: " + onlyOurs);
    }
}
