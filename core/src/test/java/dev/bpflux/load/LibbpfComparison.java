package dev.bpflux.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.bpflux.map.BpfMap;
import dev.bpflux.map.MapInfo;
import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.obj.ExternSpec;
import dev.bpflux.obj.extern.ExternResolution;
import dev.bpflux.prog.BpfProgram;
import dev.bpflux.prog.ProgramInfo;
import dev.bpflux.sys.KernelObjectName;
import dev.bpflux.testing.KernelRequirements;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the differential tests share: running the libbpf oracle (tools/libbpf-oracle) and bpftool, and
 * comparing what the kernel holds after libbpf's load and after bpflux's (see
 * {@link LibbpfDifferentialTest} for what is compared and which differences are deliberate).
 */
final class LibbpfComparison {
    static final Path ORACLE_DIR = Path.of("../tools/libbpf-oracle");
    static final Pattern ENTRY = Pattern.compile("\\{\"name\":\"([^\"]+)\",\"id\":(\\d+)");
    static final Pattern MAP_REF = Pattern.compile("map\\[id:(\\d+)\\]");

    private LibbpfComparison() {
    }

    /** A finished child process. */
    record Run(int exit, String out, String err) {
    }

    /** Runs {@code cmd}; any exit status is returned, not failed on. */
    static Run exec(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).start();
        // Read stderr beside stdout: a chatty libbpf (-v) could fill one pipe while we block on the other.
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (IOException e) {
                return e.toString().getBytes(StandardCharsets.UTF_8);
            }
        });
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", cmd) + " did not finish within 60 s");
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8),
                new String(err.join(), StandardCharsets.UTF_8));
    }

    /** Runs {@code cmd} and returns its stdout; fails the test when it exits non-zero. */
    static String run(String... cmd) throws IOException, InterruptedException {
        Run r = exec(List.of(cmd));
        if (r.exit() != 0) {
            fail(String.join(" ", cmd) + " failed (" + r.exit() + "): " + r.err());
        }
        return r.out();
    }

    static Path oracle() throws IOException, InterruptedException {
        Path bin = ORACLE_DIR.resolve("build/oracle");
        if (!Files.isExecutable(bin)) {
            run("make", "-C", ORACLE_DIR.toString());
        }
        return bin;
    }

    /** What {@code oracle load} printed: program ids by name, and the (kernel-truncated) names of the maps libbpf created. */
    record OracleLoad(Map<String, Integer> programIds, TreeSet<String> mapNames) {
        static OracleLoad parse(String json) {
            int programsEnd = json.indexOf("\"maps\"");
            Map<String, Integer> programs = new LinkedHashMap<>();
            Matcher m = ENTRY.matcher(json.substring(0, programsEnd));
            while (m.find()) {
                programs.put(m.group(1), Integer.parseInt(m.group(2)));
            }
            TreeSet<String> maps = new TreeSet<>();
            m = ENTRY.matcher(json.substring(programsEnd));
            while (m.find()) {
                maps.add(KernelObjectName.sanitize(m.group(1))); // the kernel keeps 15 bytes
            }
            return new OracleLoad(programs, maps);
        }
    }

    /** What the kernel holds for one load, by program and map name. */
    record View(Map<String, String> programs, Map<String, String> maps, Map<String, List<String>> programMaps) {
    }

    /**
     * How a program's translated instructions are compared: as {@code bpftool prog dump xlated}
     * prints them (with func_info names and line_info source lines), or as the kernel's raw
     * instructions (byte for byte, map ids as map names). bpftool reads /proc/kallsyms for every
     * dump, which in the emulated matrix guests takes about a second: the corpus of 240 programs
     * compares raw instructions.
     */
    enum Dump { BPFTOOL, RAW }

    /** The xlated instructions, one per line ("index: code dst src off imm"), map ids replaced by map names. */
    static String rawDump(byte[] insns, Map<Integer, String> mapNames) {
        ByteBuffer b = ByteBuffer.wrap(insns).order(ByteOrder.LITTLE_ENDIAN);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i + 8 <= insns.length; i += 8) {
            int code = b.get(i) & 0xff;
            int regs = b.get(i + 1) & 0xff;
            int imm = b.getInt(i + 4);
            // ld_imm64 of a map (BPF_PSEUDO_MAP_FD 1) or a map value (BPF_PSEUDO_MAP_VALUE 2): the kernel
            // dumps the map id there
            String immText = code == 0x18 && ((regs >> 4) == 1 || (regs >> 4) == 2)
                    ? "map[" + mapNames.getOrDefault(imm, "?" + imm) + "]" : Integer.toString(imm);
            sb.append(i / 8).append(": ").append(Integer.toHexString(code)).append(' ').append(regs & 0xf).append(' ')
                    .append(regs >> 4).append(' ').append(b.getShort(i + 2)).append(' ').append(immText).append('\n');
        }
        return sb.toString();
    }

    static View view(Map<String, Integer> programIds) throws IOException, InterruptedException {
        return view(programIds, Dump.BPFTOOL);
    }

    static View view(Map<String, Integer> programIds, Dump how) throws IOException, InterruptedException {
        Map<String, String> programs = new TreeMap<>();
        Map<String, String> maps = new TreeMap<>();
        Map<String, List<String>> programMaps = new TreeMap<>();
        Map<Integer, String> mapNames = new HashMap<>();
        Map<Integer, Map<Integer, String>> btfNames = new HashMap<>();
        for (Map.Entry<String, Integer> p : programIds.entrySet()) {
            ProgramInfo info;
            byte[] insns;
            try (BpfProgram prog = BpfProgram.fromId(p.getValue())) {
                info = prog.info();
                insns = how == Dump.RAW ? prog.xlatedInstructions() : null;
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
            StringBuilder sb = new StringBuilder();
            if (how == Dump.RAW) {
                assertTrue(insns.length > 0 && insns.length == info.xlatedLength(), "program " + p.getKey()
                        + ": the kernel gave " + insns.length + " of " + info.xlatedLength() + " instruction bytes");
                sb.append(rawDump(insns, mapNames));
            } else {
                String dump = run("bpftool", "prog", "dump", "xlated", "id", String.valueOf(p.getValue()));
                Matcher m = MAP_REF.matcher(dump);
                while (m.find()) {
                    m.appendReplacement(sb, Matcher.quoteReplacement("map[" + mapNames.getOrDefault(
                            Integer.parseInt(m.group(1)), "?" + m.group(1)) + "]"));
                }
                m.appendTail(sb);
            }
            programs.put(p.getKey(), "type " + info.typeNumber() + " gpl " + info.gplCompatible() + " xlated "
                    + info.xlatedLength() + "\n" + sb);
        }
        return new View(programs, maps, programMaps);
    }

    static String describe(MapInfo mi, Map<Integer, Map<Integer, String>> btfNames)
            throws IOException, InterruptedException {
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

    /**
     * Asserts that bpflux's loaded object {@code ours} holds in the kernel what libbpf's load holds: the same
     * programs with identical translated instructions, the same maps used by each, identical definitions of
     * those maps. Per-program loading (deliberate): libbpf may have created maps that no loaded program's
     * instructions reference; bpflux does not create them. libbpf binds its {@code .rodata} map to every
     * program ({@code BPF_PROG_BIND_MAP}), so such a map may still be in a libbpf program's map list.
     */
    static void assertSameAsLibbpf(String name, OracleLoad libbpfLoad, BpfObject ours)
            throws IOException, InterruptedException {
        assertSameAsLibbpf(name, libbpfLoad, ours, Dump.BPFTOOL);
    }

    static void assertSameAsLibbpf(String name, OracleLoad libbpfLoad, BpfObject ours, Dump how)
            throws IOException, InterruptedException {
        View libbpf = view(libbpfLoad.programIds(), how);
        Map<String, Integer> ids = new LinkedHashMap<>();
        ours.programs().forEach(p -> ids.put(p.name(), p.id()));
        TreeSet<String> ourMaps = new TreeSet<>();
        ours.maps().values().forEach(mp -> ourMaps.add(mp.info().name()));
        View bpflux = view(ids, how);
        TreeSet<String> onlyLibbpf = new TreeSet<>(libbpfLoad.mapNames());
        onlyLibbpf.removeAll(ourMaps);

        assertEquals(libbpf.programs().keySet(), bpflux.programs().keySet(), "programs loaded of " + name);
        for (String p : libbpf.programs().keySet()) {
            String want = libbpf.programs().get(p);
            String got = bpflux.programs().get(p);
            if (!want.equals(got)) {
                fail("program " + p + " of " + name + " differs from libbpf's at " + firstDifference(want, got)
                        + "\n--- libbpf:\n" + want + "\n--- bpflux:\n" + got);
            }
            List<String> used = new ArrayList<>(libbpf.programMaps().get(p));
            used.removeAll(onlyLibbpf); // bound, not referenced: the instructions are identical
            assertEquals(used, bpflux.programMaps().get(p), "maps used by " + p + " of " + name);
        }
        assertEquals(libbpf.maps().keySet().stream().filter(m -> !onlyLibbpf.contains(m)).toList(),
                List.copyOf(bpflux.maps().keySet()), "maps the programs of " + name + " use");
        bpflux.maps().forEach((m, definition) -> assertEquals(libbpf.maps().get(m), definition,
                "definition of map " + m + " of " + name));
        for (String map : onlyLibbpf) {
            assertTrue(libbpf.programs().values().stream().noneMatch(x -> x.contains("map[" + map + "]")),
                    "map " + map + " of " + name + " was created only by libbpf but a libbpf program references it");
        }
        TreeSet<String> onlyOurs = new TreeSet<>(ourMaps);
        onlyOurs.removeAll(libbpfLoad.mapNames());
        assertTrue(onlyOurs.isEmpty(), "maps only bpflux created for " + name + ": " + onlyOurs);
    }
}
