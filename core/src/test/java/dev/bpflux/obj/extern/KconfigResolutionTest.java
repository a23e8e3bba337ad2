package dev.bpflux.obj.extern;

import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.obj.ExternSpec;
import dev.bpflux.obj.btf.Btf;
import dev.bpflux.obj.core.TargetBtfs;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code __kconfig} externs of {@code kconfig.bpf.o} (every supported C type) resolved from config text
 * the test writes, and from this machine's real {@code /proc/config.gz}.
 */
class KconfigResolutionTest {
    static BpfObjectSpec object;
    static Btf btf;

    @BeforeAll
    static void load() {
        object = BpfObjectSpec.read(Path.of("src/test/bpf/load/kconfig.bpf.o"));
        btf = object.btf().orElseThrow();
    }

    private static ExternSpec ext(String name) {
        return object.extern(name).orElseThrow();
    }

    private static ExternResolutions resolve(String configText) {
        FixedFacts facts = new FixedFacts(() -> {
            throw new AssertionError("kconfig resolution must not read BTF");
        }, () -> KernelConfig.parse(configText, "test config"), "");
        return ExternResolver.create(facts).resolveAll(object.externs(), btf);
    }

    private static byte[] bytes(ExternResolution r) {
        return assertInstanceOf(ExternResolution.KconfigValue.class, r).bytes();
    }

    private static byte[] le(long v, int size) {
        byte[] b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
        return Arrays.copyOf(b, size);
    }

    private static byte[] str(String s, int size) {
        return Arrays.copyOf(s.getBytes(StandardCharsets.UTF_8), size);
    }

    static final String CONFIG = String.join("\n",
            "#", "# Automatically generated file; DO NOT EDIT.", "#",
            "CONFIG_BPF_SYSCALL=y",
            "CONFIG_TUN=m",
            "CONFIG_NET_CLS_BPF=m",
            "# CONFIG_KPROBES is not set",
            "CONFIG_ARCH_MMAP_RND_BITS=28",
            "CONFIG_NR_CPUS=8192",
            "CONFIG_HZ=-250",
            "CONFIG_PHYSICAL_ALIGN=0x200000",
            "CONFIG_ILLEGAL_POINTER_VALUE=0xdead000000000000",
            "CONFIG_DEFAULT_MMAP_MIN_ADDR=65536",
            "CONFIG_DEFAULT_HOSTNAME=\"(none)\"",
            "CONFIG_LOCALVERSION=\"\"",
            "");

    @Test
    void everyTypeFromConstructedText() {
        ExternResolutions r = resolve(CONFIG);
        assertArrayEquals(new byte[]{1}, bytes(r.get(ext("CONFIG_BPF_SYSCALL"))));
        assertArrayEquals(new byte[]{'m'}, bytes(r.get(ext("CONFIG_TUN"))));
        assertArrayEquals(le(KconfigValues.TRI_MODULE, 4), bytes(r.get(ext("CONFIG_NET_CLS_BPF"))));
        assertInstanceOf(ExternResolution.WeakMissing.class, r.get(ext("CONFIG_KPROBES")));
        assertArrayEquals(le(28, 1), bytes(r.get(ext("CONFIG_ARCH_MMAP_RND_BITS"))));
        assertArrayEquals(le(8192, 2), bytes(r.get(ext("CONFIG_NR_CPUS"))));
        assertArrayEquals(le(-250, 4), bytes(r.get(ext("CONFIG_HZ"))));
        assertArrayEquals(le(0x200000, 4), bytes(r.get(ext("CONFIG_PHYSICAL_ALIGN"))));
        assertArrayEquals(le(0xdead000000000000L, 8), bytes(r.get(ext("CONFIG_ILLEGAL_POINTER_VALUE"))));
        assertArrayEquals(le(65536, 8), bytes(r.get(ext("CONFIG_DEFAULT_MMAP_MIN_ADDR"))));
        assertArrayEquals(str("(none)", 16), bytes(r.get(ext("CONFIG_DEFAULT_HOSTNAME"))));
        assertArrayEquals(new byte[32], bytes(r.get(ext("CONFIG_LOCALVERSION"))));
        for (String weak : List.of("CONFIG_BPFLUX_MISSING_INT", "CONFIG_BPFLUX_MISSING_BOOL",
                "CONFIG_BPFLUX_MISSING_STRING")) {
            assertInstanceOf(ExternResolution.WeakMissing.class, r.get(ext(weak)), weak);
        }
        assertArrayEquals(le(0x06122c, 4), bytes(r.get(ext("LINUX_KERNEL_VERSION"))));
        assertArrayEquals(new byte[]{1}, bytes(r.get(ext("LINUX_HAS_SYSCALL_WRAPPER"))));
        assertArrayEquals(new byte[]{1}, bytes(r.get(ext("LINUX_HAS_BPF_COOKIE"))));
        assertTrue(r.unresolved().isEmpty(), r.toString());
        assertTrue(r.warnings().isEmpty(), r.warnings().toString());
    }

    @Test
    void kconfigSectionPlacesEveryValueAtItsOffset() {
        ExternResolutions r = resolve(CONFIG);
        int size = object.kconfigSize();
        byte[] section = ExternResolver.kconfigSection(size, r.resolutions());
        assertEquals(size, section.length);
        for (ExternSpec e : object.externs()) {
            byte[] at = Arrays.copyOfRange(section, e.offset(), e.offset() + e.size());
            if (r.get(e) instanceof ExternResolution.KconfigValue v) {
                assertArrayEquals(v.bytes(), at, e.name());
            } else {
                assertArrayEquals(new byte[e.size()], at, e.name() + " (weak, missing) reads as zero");
            }
        }
    }

    @Test
    void tristateLettersPerType() {
        ExternResolutions y = resolve(CONFIG.replace("CONFIG_NET_CLS_BPF=m", "CONFIG_NET_CLS_BPF=y")
                .replace("CONFIG_TUN=m", "CONFIG_TUN=y"));
        assertArrayEquals(le(KconfigValues.TRI_YES, 4), bytes(y.get(ext("CONFIG_NET_CLS_BPF"))));
        assertArrayEquals(new byte[]{'y'}, bytes(y.get(ext("CONFIG_TUN"))));
        ExternResolutions n = resolve(CONFIG.replace("CONFIG_NET_CLS_BPF=m", "CONFIG_NET_CLS_BPF=n")
                .replace("CONFIG_BPF_SYSCALL=y", "CONFIG_BPF_SYSCALL=n"));
        assertArrayEquals(le(KconfigValues.TRI_NO, 4), bytes(n.get(ext("CONFIG_NET_CLS_BPF"))));
        assertArrayEquals(new byte[]{0}, bytes(n.get(ext("CONFIG_BPF_SYSCALL"))));
        // A module is not a boolean.
        ExternResolutions m = resolve(CONFIG.replace("CONFIG_BPF_SYSCALL=y", "CONFIG_BPF_SYSCALL=m"));
        assertUnresolved(m, "CONFIG_BPF_SYSCALL", "'m'");
        // Integers take no letters, strings no numbers.
        assertUnresolved(resolve(CONFIG.replace("CONFIG_HZ=-250", "CONFIG_HZ=y")), "CONFIG_HZ", "'y'");
        assertUnresolved(resolve(CONFIG.replace("CONFIG_LOCALVERSION=\"\"", "CONFIG_LOCALVERSION=5")),
                "CONFIG_LOCALVERSION", "char array");
        assertUnresolved(resolve(CONFIG.replace("CONFIG_HZ=-250", "CONFIG_HZ=\"250\"")), "CONFIG_HZ", "string");
    }

    @Test
    void integersAreRangeCheckedAgainstTheExternsSize() {
        // u8
        assertArrayEquals(le(255, 1), bytes(resolve(CONFIG.replace("=28", "=255")).get(ext("CONFIG_ARCH_MMAP_RND_BITS"))));
        assertUnresolved(resolve(CONFIG.replace("=28", "=256")), "CONFIG_ARCH_MMAP_RND_BITS", "does not fit");
        assertArrayEquals(le(0xff, 1), bytes(resolve(CONFIG.replace("=28", "=0xff")).get(ext("CONFIG_ARCH_MMAP_RND_BITS"))));
        // u16
        assertArrayEquals(le(65535, 2), bytes(resolve(CONFIG.replace("=8192", "=65535")).get(ext("CONFIG_NR_CPUS"))));
        assertUnresolved(resolve(CONFIG.replace("=8192", "=65536")), "CONFIG_NR_CPUS", "does not fit");
        assertUnresolved(resolve(CONFIG.replace("=8192", "=-1")), "CONFIG_NR_CPUS", "does not fit");
        // s32
        assertArrayEquals(le(Integer.MIN_VALUE, 4), bytes(resolve(CONFIG.replace("=-250", "=-2147483648"))
                .get(ext("CONFIG_HZ"))));
        assertArrayEquals(le(Integer.MAX_VALUE, 4), bytes(resolve(CONFIG.replace("=-250", "=2147483647"))
                .get(ext("CONFIG_HZ"))));
        assertUnresolved(resolve(CONFIG.replace("=-250", "=2147483648")), "CONFIG_HZ", "does not fit");
        assertUnresolved(resolve(CONFIG.replace("=-250", "=-2147483649")), "CONFIG_HZ", "does not fit");
        assertArrayEquals(le(0x7fffffff, 4), bytes(resolve(CONFIG.replace("=-250", "=0x7fffffff")).get(ext("CONFIG_HZ"))));
        // u32 in hex
        assertArrayEquals(le(0xffffffffL, 4), bytes(resolve(CONFIG.replace("=0x200000", "=0xffffffff"))
                .get(ext("CONFIG_PHYSICAL_ALIGN"))));
        assertUnresolved(resolve(CONFIG.replace("=0x200000", "=0x100000000")), "CONFIG_PHYSICAL_ALIGN", "does not fit");
        // u64 takes any 64-bit value; 65 bits do not parse
        assertArrayEquals(le(-1L, 8), bytes(resolve(CONFIG.replace("=0xdead000000000000", "=0xffffffffffffffff"))
                .get(ext("CONFIG_ILLEGAL_POINTER_VALUE"))));
        assertUnresolved(resolve(CONFIG.replace("=0xdead000000000000", "=0x1ffffffffffffffff")),
                "CONFIG_ILLEGAL_POINTER_VALUE", "64 bits");
        // s64 negative; octal as C reads it
        assertArrayEquals(le(-4096, 8), bytes(resolve(CONFIG.replace("=65536", "=-4096")).get(ext("CONFIG_DEFAULT_MMAP_MIN_ADDR"))));
        assertArrayEquals(le(8, 8), bytes(resolve(CONFIG.replace("=65536", "=010")).get(ext("CONFIG_DEFAULT_MMAP_MIN_ADDR"))));
        // bool takes 0 and 1 only
        assertArrayEquals(new byte[]{1}, bytes(resolve(CONFIG.replace("CONFIG_BPF_SYSCALL=y", "CONFIG_BPF_SYSCALL=1"))
                .get(ext("CONFIG_BPF_SYSCALL"))));
        assertUnresolved(resolve(CONFIG.replace("CONFIG_BPF_SYSCALL=y", "CONFIG_BPF_SYSCALL=2")), "CONFIG_BPF_SYSCALL", "bool");
        // not a number at all
        assertUnresolved(resolve(CONFIG.replace("=-250", "=25x")), "CONFIG_HZ", "not y/n/m");
        assertUnresolved(resolve(CONFIG.replace("=-250", "=0x")), "CONFIG_HZ", "not y/n/m");
    }

    @Test
    void stringsAreUnquotedAndTruncatedWithAWarning() {
        ExternResolutions r = resolve(CONFIG.replace("\"(none)\"", "\"a-hostname-longer-than-16\""));
        assertArrayEquals(str("a-hostname-long", 16), bytes(r.get(ext("CONFIG_DEFAULT_HOSTNAME"))));
        assertEquals(1, r.warnings().size(), r.warnings().toString());
        assertTrue(r.warnings().get(0).contains("truncated to 15 bytes"), r.warnings().get(0));
        ExternResolutions exact = resolve(CONFIG.replace("\"(none)\"", "\"fifteen-chars!!\""));
        assertArrayEquals(str("fifteen-chars!!", 16), bytes(exact.get(ext("CONFIG_DEFAULT_HOSTNAME"))));
        assertTrue(exact.warnings().isEmpty());
        assertUnresolved(resolve(CONFIG.replace("\"(none)\"", "\"unterminated")), "CONFIG_DEFAULT_HOSTNAME", "quote");
    }

    @Test
    void missingStrongOptionNamesTheConfig() {
        ExternResolutions r = resolve(CONFIG.replace("CONFIG_HZ=-250\n", ""));
        assertUnresolved(r, "CONFIG_HZ", "not set in test config");
        Exception e = assertThrows(dev.bpflux.BpfException.class, r::requireResolved);
        assertTrue(e.getMessage().contains("CONFIG_HZ"), e.getMessage());
    }

    @Test
    void noConfigSourceMakesWeakExternsZeroWithAWarningAndStrongOnesFail() {
        List<String> searched = List.of("/proc/config.gz", "/boot/config-6.1.0-27-amd64");
        FixedFacts facts = new FixedFacts(() -> {
            throw new AssertionError();
        }, () -> KernelConfig.absent(searched), "");
        List<ExternSpec> weakOnly = object.externs().stream().filter(ExternSpec::weak).toList();
        ExternResolutions w = ExternResolver.create(facts).resolveAll(weakOnly, btf);
        assertTrue(w.unresolved().isEmpty());
        for (ExternSpec e : weakOnly) {
            assertInstanceOf(ExternResolution.WeakMissing.class, w.get(e), e.name());
        }
        assertEquals(1, w.warnings().size());
        String warning = w.warnings().get(0);
        for (ExternSpec e : weakOnly) {
            assertTrue(warning.contains(e.name()), warning);
        }
        assertTrue(warning.contains("/proc/config.gz") && warning.contains("/boot/config-6.1.0-27-amd64"), warning);
        byte[] section = ExternResolver.kconfigSection(256, w.resolutions());
        assertArrayEquals(new byte[256], section);

        ExternResolution strong = ExternResolver.create(facts).resolve(ext("CONFIG_HZ"), btf);
        String msg = assertInstanceOf(ExternResolution.Unresolved.class, strong).message();
        assertTrue(msg.contains("/proc/config.gz, /boot/config-6.1.0-27-amd64"), msg);
        assertTrue(msg.contains("config file") && msg.contains("load options"), msg);
        // Virtual externs need no config.
        assertInstanceOf(ExternResolution.KconfigValue.class,
                ExternResolver.create(facts).resolve(ext("LINUX_KERNEL_VERSION"), btf));
    }

    @Test
    void userValuesOverrideTheKernelConfig() {
        KernelConfig base = KernelConfig.parse(CONFIG, "test config");
        KernelConfig withUser = base.withOverrides(Map.of("CONFIG_HZ", "1000", "CONFIG_BPFLUX_MISSING_INT", "7"),
                "values supplied in the load options");
        FixedFacts facts = new FixedFacts(() -> null, () -> withUser, "");
        ExternResolutions r = ExternResolver.create(facts).resolveAll(object.externs(), btf);
        assertArrayEquals(le(1000, 4), bytes(r.get(ext("CONFIG_HZ"))));
        assertArrayEquals(le(7, 4), bytes(r.get(ext("CONFIG_BPFLUX_MISSING_INT"))));
        assertArrayEquals(le(28, 1), bytes(r.get(ext("CONFIG_ARCH_MMAP_RND_BITS"))));
    }

    @Test
    void resolvingOnlyVirtualExternsNeverReadsTheConfig() {
        FixedFacts facts = new FixedFacts(() -> null, () -> {
            throw new AssertionError("config read");
        }, "");
        List<ExternSpec> virtual = object.externs().stream().filter(e -> e.name().startsWith("LINUX_")).toList();
        ExternResolutions r = ExternResolver.create(facts).resolveAll(virtual, btf);
        assertEquals(3, r.resolutions().size());
        assertFalse(facts.asked.contains("config"));
        assertFalse(facts.asked.contains("kallsyms"));
    }

    @Test
    void malformedConfigLinesAreReportedWithTheirLineNumber() {
        KernelConfig.KconfigFormatException e = assertThrows(KernelConfig.KconfigFormatException.class,
                () -> KernelConfig.parse("# c\nCONFIG_A=y\nCONFIG_B\n", "f"));
        assertTrue(e.getMessage().startsWith("f:3:"), e.getMessage());
        assertThrows(KernelConfig.KconfigFormatException.class, () -> KernelConfig.parse("CONFIG_A=\n", "f"));
        KernelConfig c = KernelConfig.parse("CONFIG_A=y\r\nCONFIG_A=n\nNOT_CONFIG=1\n  CONFIG_X=1\n", "f");
        assertEquals(Map.of("CONFIG_A", "y"), c.values());
    }

    /** The real /proc/config.gz of this machine: each extern compared with the option's text read here. */
    @Test
    void realKernelConfig() throws IOException {
        Path proc = Path.of("/proc/config.gz");
        if (!Files.exists(proc)) {
            throw new AssertionError("this test expects the dev host's /proc/config.gz");
        }
        String text;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(proc))) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, String> options = new HashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (line.startsWith("CONFIG_") && eq > 0) {
                options.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        ExternResolutions r = resolve(text);
        assertTrue(r.unresolved().isEmpty(), r.toString());
        assertArrayEquals(new byte[]{(byte) (options.get("CONFIG_BPF_SYSCALL").equals("y") ? 1 : 0)},
                bytes(r.get(ext("CONFIG_BPF_SYSCALL"))));
        assertArrayEquals(new byte[]{(byte) options.get("CONFIG_TUN").charAt(0)}, bytes(r.get(ext("CONFIG_TUN"))));
        String cls = options.get("CONFIG_NET_CLS_BPF");
        assertArrayEquals(le(cls.equals("y") ? 1 : cls.equals("m") ? 2 : 0, 4), bytes(r.get(ext("CONFIG_NET_CLS_BPF"))));
        if (options.containsKey("CONFIG_KPROBES")) {
            assertArrayEquals(le(1, 4), bytes(r.get(ext("CONFIG_KPROBES"))));
        } else {
            assertInstanceOf(ExternResolution.WeakMissing.class, r.get(ext("CONFIG_KPROBES")));
        }
        assertArrayEquals(le(Long.parseLong(options.get("CONFIG_ARCH_MMAP_RND_BITS")), 1),
                bytes(r.get(ext("CONFIG_ARCH_MMAP_RND_BITS"))));
        assertArrayEquals(le(Long.parseLong(options.get("CONFIG_NR_CPUS")), 2), bytes(r.get(ext("CONFIG_NR_CPUS"))));
        assertArrayEquals(le(Long.parseLong(options.get("CONFIG_HZ")), 4), bytes(r.get(ext("CONFIG_HZ"))));
        assertArrayEquals(le(Long.decode(options.get("CONFIG_PHYSICAL_ALIGN")), 4),
                bytes(r.get(ext("CONFIG_PHYSICAL_ALIGN"))));
        assertArrayEquals(le(Long.parseUnsignedLong(options.get("CONFIG_ILLEGAL_POINTER_VALUE").substring(2), 16), 8),
                bytes(r.get(ext("CONFIG_ILLEGAL_POINTER_VALUE"))));
        assertArrayEquals(le(Long.parseLong(options.get("CONFIG_DEFAULT_MMAP_MIN_ADDR")), 8),
                bytes(r.get(ext("CONFIG_DEFAULT_MMAP_MIN_ADDR"))));
        String host = options.get("CONFIG_DEFAULT_HOSTNAME");
        assertArrayEquals(str(host.substring(1, host.length() - 1), 16), bytes(r.get(ext("CONFIG_DEFAULT_HOSTNAME"))));
        String lv = options.get("CONFIG_LOCALVERSION");
        assertArrayEquals(str(lv.substring(1, lv.length() - 1), 32), bytes(r.get(ext("CONFIG_LOCALVERSION"))));
    }

    static void assertUnresolved(ExternResolutions r, String name, String fragment) {
        ExternResolution res = r.get(ext(name));
        String msg = assertInstanceOf(ExternResolution.Unresolved.class, res, name + ": " + res).message();
        assertTrue(msg.contains(name), msg);
        assertTrue(msg.contains(fragment), "'" + fragment + "' not in: " + msg);
    }
}
