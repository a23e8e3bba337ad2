package dev.bpflux.load;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.BpfException;
import dev.bpflux.BpfNotSupportedException;
import dev.bpflux.kernel.KernelVersion;
import dev.bpflux.link.BpfLink;
import dev.bpflux.testing.KernelTest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * __kconfig and __ksym externs and kfuncs, resolved on this kernel and applied to the instructions.
 * Expected values are derived here from the kernel's own config and kallsyms, not hard-coded.
 */
@KernelTest
class ExternsTest {
    static final Path CORPUS = BpfObjectTest.CORPUS;

    static Map<String, String> kernelConfig() throws IOException {
        Path gz = Path.of("/proc/config.gz");
        String text;
        if (Files.exists(gz)) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } else {
            text = Files.readString(Path.of("/boot/config-" + System.getProperty("os.version")));
        }
        Map<String, String> m = new HashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (!line.startsWith("#") && eq > 0) {
                m.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return m;
    }

    static long kallsyms(String name) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/kallsyms"))) {
            String[] f = line.split("\\s+");
            if (f.length >= 3 && f[2].equals(name)) {
                return Long.parseUnsignedLong(f[0], 16);
            }
        }
        return 0;
    }

    static int tristate(String v) {
        return v == null ? 0 : v.equals("y") ? 1 : v.equals("m") ? 2 : 0;
    }

    static String unquote(String v) {
        return v.substring(1, v.length() - 1);
    }

    @Test
    void kconfigValuesAndVirtualLinuxValues() throws IOException {
        Map<String, String> cfg = kernelConfig();
        try (BpfObject obj = BpfObject.load(CORPUS.resolve("kconfig.bpf.o"))) {
            assertEquals(2, obj.program("copy_kconfig").program().testRun(new byte[64], 1).returnValue());
            assertEquals(1, obj.global("runs").readLong());
            assertEquals(cfg.get("CONFIG_BPF_SYSCALL").equals("y") ? 1 : 0, obj.global("out_bpf_syscall").read()[0]);
            assertEquals(cfg.get("CONFIG_TUN").charAt(0), (char) obj.global("out_tun").read()[0]);
            assertEquals(tristate(cfg.get("CONFIG_NET_CLS_BPF")), obj.global("out_net_cls_bpf").readInt());
            assertEquals(tristate(cfg.get("CONFIG_KPROBES")), obj.global("out_kprobes").readInt());
            assertEquals(Integer.parseInt(cfg.get("CONFIG_ARCH_MMAP_RND_BITS")),
                    obj.global("out_arch_mmap_rnd_bits").read()[0] & 0xff);
            byte[] nr = obj.global("out_nr_cpus").read();
            assertEquals(Integer.parseInt(cfg.get("CONFIG_NR_CPUS")), (nr[0] & 0xff) | (nr[1] & 0xff) << 8);
            assertEquals(Integer.parseInt(cfg.get("CONFIG_HZ")), obj.global("out_hz").readInt());
            assertEquals(Long.decode(cfg.get("CONFIG_PHYSICAL_ALIGN")).intValue(),
                    obj.global("out_physical_align").readInt());
            assertEquals(Long.parseUnsignedLong(cfg.get("CONFIG_ILLEGAL_POINTER_VALUE").substring(2), 16),
                    obj.global("out_illegal_pointer_value").readLong());
            assertEquals(Long.parseLong(cfg.get("CONFIG_DEFAULT_MMAP_MIN_ADDR")),
                    obj.global("out_default_mmap_min_addr").readLong());
            assertEquals(unquote(cfg.get("CONFIG_DEFAULT_HOSTNAME")), obj.global("out_default_hostname").readString());
            assertEquals(unquote(cfg.get("CONFIG_LOCALVERSION")), obj.global("out_localversion").readString());
            assertEquals(0, obj.global("out_bpflux_missing_int").readInt());
            assertEquals(0, obj.global("out_bpflux_missing_bool").read()[0]);
            assertArrayEquals(new byte[8], obj.global("out_bpflux_missing_string").read());
            KernelVersion v = KernelVersion.current();
            assertEquals((v.major() << 16) + (v.minor() << 8) + Math.min(v.patch(), 255),
                    obj.global("out_linux_kernel_version").readInt());
            assertEquals(kallsyms("__x64_sys_getpid") != 0 ? 1 : 0, obj.global("out_linux_has_syscall_wrapper").read()[0]);
            assertEquals(1, obj.global("out_linux_has_bpf_cookie").read()[0]);
            // The .kconfig map is read-only to programs and frozen.
            assertThrows(BpfException.class, () -> obj.map(".kconfig").update(new byte[4],
                    new byte[obj.map(".kconfig").valueSize()]));
        }
    }

    @Test
    void kernelConfigOverridesReachTheProgram() {
        try (BpfObject obj = BpfObject.load(CORPUS.resolve("kconfig.bpf.o"),
                LoadOptions.defaults().withKernelConfig(Map.of("CONFIG_HZ", "1000")))) {
            obj.program("copy_kconfig").program().testRun(new byte[64], 1);
            assertEquals(1000, obj.global("out_hz").readInt());
        }
    }

    @Test
    void untypedKsymsAndKfuncs() throws IOException {
        try (BpfObject obj = BpfObject.load(CORPUS.resolve("ksyms.bpf.o"),
                LoadOptions.defaults().withVariable("target_tgid", Trigger.tgid()))) {
            try (BpfLink link = obj.program("use_ksyms").attach()) {
                Trigger.getpid(1);
            }
            assertTrue(obj.global("calls").readLong() > 0);
            assertEquals(kallsyms("do_unlinkat"), obj.global("addr_do_unlinkat").readLong());
            assertEquals(kallsyms("init_task"), obj.global("addr_init_task").readLong());
            assertEquals(0, obj.global("addr_missing").readLong());
            assertTrue(obj.global("system_key_lookups").readLong() > 0);
            boolean taskKfuncs = Trigger.kernelHasFunction("bpf_task_acquire"); // Linux 6.2+
            assertEquals(taskKfuncs ? 1 : 0, obj.global("task_kfuncs_present").readLong());
            assertEquals(taskKfuncs, obj.global("acquired_pid").readInt() > 0);
            assertEquals(0, obj.global("missing_kfunc_present").readLong());
        }
    }

    @Test
    void typedKsymsNeedKallsymsAll() throws IOException {
        boolean kallsymsAll = "y".equals(kernelConfig().get("CONFIG_KALLSYMS_ALL"));
        if (!kallsymsAll) {
            BpfNotSupportedException e = assertThrows(BpfNotSupportedException.class,
                    () -> BpfObject.load(CORPUS.resolve("ksym_typed.bpf.o")));
            assertTrue(e.getMessage().contains("CONFIG_KALLSYMS_ALL"), e.getMessage());
            return;
        }
        try (BpfObject obj = BpfObject.load(CORPUS.resolve("ksym_typed.bpf.o"))) {
            obj.program("read_percpu_ksyms").program().testRun(new byte[64], 1);
            assertEquals(1, obj.global("runs").readLong());
            assertEquals(1, obj.global("rq0_found").readLong());
            assertEquals(obj.global("this_cpu").readInt(), obj.global("this_rq_cpu").readInt());
        }
    }

    @Test
    void weakKfuncsTheKernelLacksArePoisonedAndTheirGuardedCallsVerify() {
        // As on a kernel before 6.2: bpf_task_acquire/bpf_task_release missing. The program guards the
        // calls with bpf_ksym_exists(), so the poisoned calls are dead code and the load succeeds.
        dev.bpflux.obj.BpfObjectSpec spec = dev.bpflux.obj.BpfObjectSpec.read(CORPUS.resolve("ksyms.bpf.o"));
        ExternSource real = ExternSource.kernel(spec, LoadOptions.defaults());
        ExternSource older = new ExternSource() {
            @Override
            public dev.bpflux.obj.extern.ExternResolution resolve(dev.bpflux.obj.ExternSpec e) {
                return e.name().startsWith("bpf_task_") ? new dev.bpflux.obj.extern.ExternResolution.WeakMissing(
                        "not in this (pretended) kernel") : real.resolve(e);
            }
        };
        try (BpfObject obj = BpfObject.load(spec, LoadOptions.defaults().withVariable("target_tgid", Trigger.tgid())
                .withExternSource(older))) {
            try (BpfLink link = obj.program("use_ksyms").attach()) {
                Trigger.getpid(1);
            }
            assertTrue(obj.global("calls").readLong() > 0);
            assertEquals(0, obj.global("task_kfuncs_present").readLong());
            assertEquals(0, obj.global("acquired_pid").readInt());
        }
    }

    @Test
    void anUnresolvedStrongExternNamesTheExtern() {
        ExternSource nothing = e -> new dev.bpflux.obj.extern.ExternResolution.Unresolved("not in test kernel");
        BpfException e = assertThrows(BpfException.class, () -> BpfObject.load(CORPUS.resolve("ksyms.bpf.o"),
                LoadOptions.defaults().withExternSource(nothing)));
        assertTrue(e.getMessage().contains("'do_unlinkat'") || e.getMessage().contains("'bpf_lookup_system_key'"),
                e.getMessage());
        assertTrue(e.getMessage().contains("not in test kernel"), e.getMessage());
    }
}
