package dev.bpflux.samples.cli;

import dev.bpflux.testing.TestPins;
import dev.bpflux.sys.BpfFilesystem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.map.BpfMap;
import dev.bpflux.map.MapDefinition;
import dev.bpflux.obj.MapType;
import dev.bpflux.prog.BpfProgram;
import dev.bpflux.testing.KernelTest;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Runs the bpflux command in-process and reads its output back. */
class BpfluxCommandTest {
    static final Path CORPUS = Path.of("../core/src/test/bpf/load");

    record Result(int exit, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = BpfluxCommand.commandLine();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int exit = cmd.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(String text) {
        return (Map<String, Object>) JsonParser.parse(text);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> find(Object list, String name) {
        for (Object o : (List<Object>) list) {
            Map<String, Object> m = (Map<String, Object>) o;
            if (name.equals(m.get("name"))) {
                return m;
            }
        }
        throw new AssertionError(name + " not in " + list);
    }

    @Test
    void inspectJsonListsProgramsMapsAndGlobals() {
        Result r = run("inspect", CORPUS.resolve("maps.bpf.o").toString(), "--json");
        assertEquals(0, r.exit(), r.err());
        Map<String, Object> j = json(r.out());
        Map<String, Object> prog = find(j.get("programs"), "count_task");
        assertEquals("tp_btf/sys_enter", prog.get("section"));
        assertEquals("tracing", prog.get("type"));
        assertEquals("trace_raw_tp", prog.get("attach_type"));
        assertEquals("sys_enter", prog.get("attach_target"));
        Map<String, Object> bloom = find(j.get("maps"), "bloom_map");
        assertEquals("bloom_filter", bloom.get("type"));
        assertEquals(new BigDecimal(4), bloom.get("value_size"));
        assertEquals(new BigDecimal(64), bloom.get("max_entries"));
        assertEquals("by_name", find(j.get("maps"), "bpflux_pinned").get("pinning"));
        Map<String, Object> g = find(j.get("globals"), "target_tgid");
        assertEquals(".rodata", g.get("section"));
        assertEquals(new BigDecimal(4), g.get("size"));
        assertEquals("const volatile __s32", g.get("type"));
        assertTrue(((List<?>) j.get("externs")).isEmpty());
    }

    @Test
    @KernelTest
    void inspectResolvesExternsOnThisKernel() throws IOException {
        Result r = run("inspect", CORPUS.resolve("kconfig.bpf.o").toString(), "--json");
        assertEquals(0, r.exit(), r.err());
        Map<String, Object> j = json(r.out());
        Map<String, Object> hz = find(j.get("externs"), "CONFIG_HZ");
        assertEquals("kconfig", hz.get("kind"));
        assertEquals(true, hz.get("resolved"));
        Path gz = Path.of("/proc/config.gz");
        List<String> config = Files.exists(gz) ? new String(new java.util.zip.GZIPInputStream(Files.newInputStream(gz))
                .readAllBytes()).lines().toList()
                : Files.readAllLines(Path.of("/boot/config-" + System.getProperty("os.version")));
        assertEquals(new BigDecimal(configValue(config, "CONFIG_HZ")), hz.get("value"));
        assertEquals(configValue(config, "CONFIG_TUN"), find(j.get("externs"), "CONFIG_TUN").get("value"));
        Map<String, Object> missing = find(j.get("externs"), "CONFIG_BPFLUX_MISSING_INT");
        assertEquals(true, missing.get("weak"));
        assertEquals(false, missing.get("resolved"));

        j = json(run("inspect", CORPUS.resolve("ksyms.bpf.o").toString(), "--json").out());
        Map<String, Object> unlink = find(j.get("externs"), "do_unlinkat");
        assertEquals("ksym_untyped", unlink.get("kind"));
        String addr = Files.readAllLines(Path.of("/proc/kallsyms")).stream().map(l -> l.split("\\s+"))
                .filter(f -> f[2].equals("do_unlinkat")).findFirst().orElseThrow()[0];
        assertEquals(Long.parseUnsignedLong(addr, 16), Long.parseUnsignedLong(
                ((String) unlink.get("address")).substring(2), 16));
        Map<String, Object> kfunc = find(j.get("externs"), "bpf_lookup_system_key"); // Linux 6.1+
        assertEquals("kfunc", kfunc.get("kind"));
        assertTrue(((BigDecimal) kfunc.get("btf_id")).intValue() > 0);
    }

    /** {@code inspect --kernel}: the compatibility report, in agreement with {@code --verify} (which loads). */
    @Test
    @KernelTest
    @SuppressWarnings("unchecked")
    void inspectKernelReportsPerProgramCompatibility() {
        Path seed = Path.of("../core/src/test/bpf/seed/ksyscall_write_hist.bpf.o");
        Result text = run("inspect", seed.toString(), "--kernel");
        assertEquals(0, text.exit(), text.err());
        System.out.println(text.out());
        assertTrue(text.out().contains("externs:") && text.out().contains("compatibility with this kernel:"),
                text.out());
        Map<String, Object> analysis = json(run("inspect", seed.toString(), "--kernel", "--json").out());
        Map<String, Object> verified = json(run("inspect", seed.toString(), "--kernel", "--verify", "--json").out());
        assertTrue(analysis.containsKey("externs"));
        Map<String, Object> a = ((List<Map<String, Object>>) analysis.get("compatibility")).get(0);
        Map<String, Object> v = ((List<Map<String, Object>>) verified.get("compatibility")).get(0);
        assertEquals("bpf_prog3", a.get("program"));
        assertEquals(true, a.get("load"));
        boolean kprobes = dev.bpflux.testing.KernelRequirements.kernelHasKprobes();
        assertEquals(kprobes ? "yes" : "no", a.get("attach"));
        assertEquals(a.get("load"), v.get("load"));
        assertEquals(a.get("attach"), v.get("attach"));
        List<Map<String, Object>> reasons = (List<Map<String, Object>>) a.get("reasons");
        assertEquals(!kprobes, reasons.stream().anyMatch(r -> "kprobes_unavailable".equals(r.get("kind"))
                && "attach".equals(r.get("effect"))), reasons::toString);
        assertEquals(false, ((Map<String, Object>) analysis.get("kernel")).get("verified"));
        assertEquals(true, ((Map<String, Object>) verified.get("kernel")).get("verified"));
    }

    static String configValue(List<String> config, String name) {
        return config.stream().filter(l -> l.startsWith(name + "=")).findFirst().orElseThrow()
                .substring(name.length() + 1);
    }

    @Test
    void jsonStringsAreEscaped() {
        String s = Json.write(Map.of("k", "a\"b\\c\n\u0001"));
        assertEquals("a\"b\\c\n\u0001", json(s).get("k"));
    }

    @Test
    @KernelTest
    void loadPinsProgramsAndMapsAndPrintsKernelIds() throws IOException {
        // A new directory: one named after the pid could hold pins of an earlier aborted run.
        BpfFilesystem.mountIfMissing(BpfFilesystem.DEFAULT_MOUNT); // a machine may boot without it
        Path dir = Files.createTempDirectory(BpfFilesystem.DEFAULT_MOUNT, "bpflux-cli-test-");
        try {
            Result r = run("load", CORPUS.resolve("globals.bpf.o").toString(), "--set", "cfg_multiplier=7",
                    "--set", "cfg_name=cli", "--set", "cfg_flag=true", "--pin", dir.toString(), "--json");
            assertEquals(0, r.exit(), r.err());
            Map<String, Object> j = json(r.out());
            Map<String, Object> prog = find(j.get("programs"), "copy_config");
            try (BpfProgram p = BpfProgram.openPinned(dir.resolve("copy_config"))) {
                assertEquals(((BigDecimal) prog.get("id")).intValue(), p.info().id());
            }
            Map<String, Object> rodata = find(j.get("maps"), ".rodata");
            assertEquals("globals.rodata", rodata.get("kernel_name"));
            try (BpfMap m = BpfMap.openPinned(dir.resolve("maps/globals_rodata"))) {
                assertEquals(((BigDecimal) rodata.get("id")).intValue(), m.info().id());
                ByteBuffer v = ByteBuffer.wrap(m.lookup(new byte[4])).order(ByteOrder.LITTLE_ENDIAN);
                assertEquals(7, v.getInt(4), "cfg_multiplier follows target_tgid");
            }
        } finally {
            if (Files.exists(dir)) {
                try (Stream<Path> s = Files.walk(dir)) {
                    s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    @Test
    @KernelTest
    void loadOnlyTheNamedProgram() {
        Result r = run("load", CORPUS.resolve("verifier_reject.bpf.o").toString(), "--program", "accepted", "--json");
        assertEquals(0, r.exit(), r.err());
        List<?> progs = (List<?>) json(r.out()).get("programs");
        assertEquals(1, progs.size());
    }

    @Test
    @KernelTest
    void placeholderTargetsAndUnknownSectionsAreSetFromTheCommandLine() {
        String object = CORPUS.resolve("retarget.bpf.o").toString();
        Result unset = run("load", object, "--program", "on_placeholder_tp");
        assertNotEquals(0, unset.exit());
        assertTrue(unset.err().contains("--attach-target on_placeholder_tp="), unset.err());
        Result set = run("load", object, "--program", "on_placeholder_tp", "--attach-target",
                "on_placeholder_tp=sys_enter", "--json");
        assertEquals(0, set.exit(), set.err());
        assertEquals("tracing", ((Map<?, ?>) ((List<?>) json(set.out()).get("programs")).get(0)).get("type"));
        Result unknown = run("load", object, "--program", "in_mystery");
        assertNotEquals(0, unknown.exit());
        assertTrue(unknown.err().contains("section 'mystery/section'"), unknown.err());
        Result typed = run("load", object, "--program", "in_mystery", "--program-type", "in_mystery=socket_filter",
                "--json");
        assertEquals(0, typed.exit(), typed.err());
        assertEquals("socket_filter", ((Map<?, ?>) ((List<?>) json(typed.out()).get("programs")).get(0)).get("type"));
        Result badType = run("load", object, "--program-type", "in_mystery=sockt_filter");
        assertNotEquals(0, badType.exit());
        assertTrue(badType.err().contains("no ProgramType 'sockt_filter'"), badType.err());
        Result inspected = run("inspect", object, "--kernel", "--attach-target", "on_placeholder_tp=sys_enter");
        assertTrue(inspected.out().matches("(?s).*on_placeholder_tp +tp_btf/placeholder +yes +yes.*"),
                inspected.out());
    }

    @Test
    @KernelTest
    void mapSizesTheObjectLeavesOpenAreReportedAndSetFromTheCommandLine() {
        String object = CORPUS.resolve("user_sized_maps.bpf.o").toString();
        Result unsized = run("inspect", object, "--kernel");
        assertTrue(unsized.out().contains("map_size_unset stackmap") && unsized.out().contains(" no "), unsized.out());
        Result failed = run("load", object);
        assertNotEquals(0, failed.exit());
        assertTrue(failed.err().contains("withValueSize(\"stackmap\""), failed.err());
        String[] sizes = {"--value-size", "stackmap=1016", "--max-entries", "stackmap=256", "--max-entries", "counts=16"};
        Result sized = run(concat(new String[] {"inspect", object, "--kernel", "--verify"}, sizes));
        assertTrue(sized.out().matches("(?s).*on_getpgid +tp/syscalls/sys_enter_getpgid +yes +yes.*"), sized.out());
        Result loaded = run(concat(new String[] {"load", object, "--json"}, sizes));
        assertEquals(0, loaded.exit(), loaded.err());
        assertEquals(2, ((List<?>) json(loaded.out()).get("maps")).size(), loaded.out());
    }

    static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    @KernelTest
    void verifierRejectionExitsNonZeroWithTheLogTail() {
        Result r = run("load", CORPUS.resolve("verifier_reject.bpf.o").toString());
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("read_past_stack") && r.err().contains("off=-520"), r.err());
        assertTrue(r.err().contains("--verbose"));
        Result v = run("load", CORPUS.resolve("verifier_reject.bpf.o").toString(), "--verbose");
        assertTrue(v.err().contains("full verifier log of read_past_stack"), v.err());
    }

    @Test
    void anEmptyPinPathIsAUsageErrorAndMakesNothing() {
        for (String option : new String[] {"--pin", "--pin-root"}) {
            Result r = run("load", CORPUS.resolve("globals.bpf.o").toString(), option, "");
            assertEquals(2, r.exit(), r.err());
            assertTrue(r.err().contains(option + " needs a directory on bpffs"), r.err());
        }
        assertFalse(Files.exists(Path.of("maps")), "nothing made in the working directory");
    }

    @Test
    @KernelTest
    void aPinConflictFailsTheCommandAndLeavesNothingPinned() throws IOException {
        BpfFilesystem.mountIfMissing(BpfFilesystem.DEFAULT_MOUNT); // a machine may boot without it
        Path root = Files.createTempDirectory(BpfFilesystem.DEFAULT_MOUNT, "bpflux-cli-test-");
        try {
            Path pinDir = Files.createDirectories(root.resolve("pinned/maps")).getParent();
            try (BpfMap other = BpfMap.create(MapDefinition.builder(MapType.ARRAY).keySize(4).valueSize(8)
                    .maxEntries(1).name("other").build())) {
                other.pin(pinDir.resolve("maps/pinned_second"));
            }
            Set<String> before = TestPins.tree(root);
            // The load pins three maps by name under by-name/ (made for them); --pin then pins the
            // program and pinned_first before pinned_second meets the existing pin.
            Result r = run("load", CORPUS.resolve("pins.bpf.o").toString(), "--program", "count_runs",
                    "--pin-root", root.resolve("by-name").toString(), "--pin", pinDir.toString());
            assertEquals(1, r.exit(), r.err());
            assertTrue(r.err().contains(pinDir.resolve("maps/pinned_second") + " already exists"), r.err());
            assertEquals(before, TestPins.tree(root));
        } finally {
            try (Stream<Path> s = Files.walk(root)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void badArgumentsAreUsageErrors() {
        assertEquals(2, run("load").exit());
        Result r = run("load", CORPUS.resolve("globals.bpf.o").toString(), "--set", "nope=1");
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("no global variable 'nope'"), r.err());
        assertFalse(r.out().contains("program"));
    }

    @Test
    void setValuesAreParsedByTheVariablesType() {
        // Each was stored silently before: "abc" as the bytes of the text, 2 into a bool.
        Result r = run("load", CORPUS.resolve("globals.bpf.o").toString(), "--set", "cfg_multiplier=abc");
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("bpflux: --set cfg_multiplier: cannot set global 'cfg_multiplier' (__u32 "
                + "(unsigned int), in .rodata) to \"abc\": not an integer; it takes an integer from 0 to 4294967295"),
                r.err());
        r = run("load", CORPUS.resolve("globals.bpf.o").toString(), "--set", "cfg_flag=2");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("(bool (_Bool), in .rodata) to \"2\": not a bool; it takes true, false, 1 or 0"),
                r.err());
        r = run("load", CORPUS.resolve("globals.bpf.o").toString(), "--set", "target_tgid=-2147483649");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("-2147483649 is out of range; it takes an integer from -2147483648 to 2147483647"),
                r.err());
    }
}
