package dev.bpflux.kernel;

import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.obj.ExternSpec;
import dev.bpflux.obj.btf.BtfKind;
import dev.bpflux.obj.extern.ExternResolution;
import dev.bpflux.obj.extern.ExternResolutions;
import dev.bpflux.obj.extern.ExternResolver;
import dev.bpflux.obj.extern.KallsymsLookup;
import dev.bpflux.testing.KernelTest;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Extern resolution against the running kernel's real facts (root: kallsyms shows addresses only with
 * CAP_SYSLOG, module BTF ids need CAP_SYS_ADMIN). Expectations are read from the kernel's own files by
 * the test ({@link IndependentBtf} for BTF ids), so it runs on the host and in the kernel-matrix guests.
 */
@KernelTest
class KernelFactsTest {
    private static String kallsymsLine(String name) throws IOException {
        return Files.readAllLines(Path.of("/proc/kallsyms")).stream().filter(l -> l.endsWith(" " + name))
                .findFirst().orElse(null);
    }

    /** The option's value read by the test itself: /proc/config.gz, else /boot/config-<release> (Debian). */
    private static String configValue(String option) throws IOException {
        Path proc = Path.of("/proc/config.gz");
        String text;
        if (Files.exists(proc)) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(proc))) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } else {
            text = Files.readString(Path.of("/boot/config-" + Files.readString(Path.of("/proc/sys/kernel/osrelease"))
                    .strip()));
        }
        return text.lines().filter(l -> l.startsWith(option + "=")).map(l -> l.substring(option.length() + 1))
                .findFirst().orElse(null);
    }

    private static int btfId(String kind, String name) throws Exception {
        return IndependentBtf.firstId(kind.equals("FUNC") ? 12 : 14, name);
    }

    /**
     * One line of what this kernel offers, for docs/externs.md's table ("@@facts ..." in the matrix
     * logs); asserts that every extern of the test objects resolved or is a weak miss.
     */
    @Test
    void reportsTheFacts() throws Exception {
        RunningKernelFacts facts = RunningKernelFacts.create();
        StringBuilder sb = new StringBuilder("@@facts release=").append(KernelVersion.current().release())
                .append(" config=").append(facts.kernelConfig().source())
                .append(" kallsymsAll=").append(facts.kallsymsHasDataSymbols())
                .append(" syscallWrapper=").append(facts.hasSyscallWrapper())
                .append(" bpfCookie=").append(facts.hasBpfCookie())
                .append(" modules=").append(facts.btfs().moduleNames().size());
        for (String file : List.of("src/test/bpf/load/ksyms.bpf.o", "src/test/bpf/load/ksym_typed.bpf.o")) {
            BpfObjectSpec o = BpfObjectSpec.read(Path.of(file));
            ExternResolutions r = ExternResolver.create(facts).resolveAll(o.externs(), o.btf().orElseThrow());
            for (ExternSpec e : o.externs()) {
                ExternResolution res = r.get(e);
                sb.append(' ').append(e.name()).append('=').append(res.getClass().getSimpleName());
                assertTrue(!(res instanceof ExternResolution.Unresolved), e.name() + ": " + res);
            }
        }
        System.out.println(sb);
    }

    @Test
    void ksymsObjectResolvesOnThisKernel() throws Exception {
        BpfObjectSpec o = BpfObjectSpec.read(Path.of("src/test/bpf/load/ksyms.bpf.o"));
        ExternResolutions r = ExternResolver.create(RunningKernelFacts.create())
                .resolveAll(o.externs(), o.btf().orElseThrow());
        String line = kallsymsLine("do_unlinkat");
        long addr = Long.parseUnsignedLong(line.substring(0, line.indexOf(' ')), 16);
        assertTrue(addr != 0, "root sees real addresses");
        assertEquals(new ExternResolution.KsymAddress(addr), r.get(o.extern("do_unlinkat").orElseThrow()));
        if (kallsymsLine("init_task") == null) {
            assertInstanceOf(ExternResolution.WeakMissing.class, r.get(o.extern("init_task").orElseThrow()));
        } else {
            assertInstanceOf(ExternResolution.KsymAddress.class, r.get(o.extern("init_task").orElseThrow()));
        }
        for (String kfunc : List.of("bpf_lookup_system_key", "bpf_key_put", "bpf_task_acquire", "bpf_task_release")) {
            int expected = btfId("FUNC", kfunc);
            ExternResolution res = r.get(o.extern(kfunc).orElseThrow());
            if (expected < 0) { // bpf_task_acquire/release are 6.2+ and __weak in the object
                assertInstanceOf(ExternResolution.WeakMissing.class, res, kfunc);
            } else {
                assertEquals(expected, assertInstanceOf(ExternResolution.Kfunc.class, res, kfunc).btfId(), kfunc);
            }
        }
        assertTrue(r.unresolved().isEmpty(), r.toString());
    }

    /** The kernel refuses typed variables here (no KALLSYMS_ALL), but their BTF ids resolve. */
    @Test
    void typedKsymResolvesItsBtfIdEvenWhereTheKernelWillRefuseIt() throws Exception {
        BpfObjectSpec o = BpfObjectSpec.read(Path.of("src/test/bpf/seed/ksym_task_storage_busy.bpf.o"));
        RunningKernelFacts facts = RunningKernelFacts.create();
        ExternResolutions r = ExternResolver.create(facts).resolveAll(o.externs(), o.btf().orElseThrow());
        for (String v : List.of("bpf_task_storage_busy")) { // bpf_prog_active is declared but unused: no extern
            ExternResolution.KsymVariable k = assertInstanceOf(ExternResolution.KsymVariable.class,
                    r.get(o.extern(v).orElseThrow()), v);
            assertEquals(btfId("VAR", v), k.btfId());
        }
        boolean kallsymsAll = "y".equals(configValue("CONFIG_KALLSYMS_ALL"));
        assertEquals(kallsymsAll, facts.kallsymsHasDataSymbols());
        String log = "ldimm64 failed to find the address for kernel symbol 'bpf_task_storage_busy'.";
        String why = ExternResolver.create(facts).explainLoadFailure(log).orElseThrow();
        assertEquals(!kallsymsAll, why.startsWith("this kernel lacks CONFIG_KALLSYMS_ALL"), why);
        // Without the config, kallsyms decides the same way.
        assertEquals(kallsymsAll, KallsymsReader.system().hasDataSymbols());
    }

    @Test
    void virtualKconfigExternsAreTheKernelsTruth() throws Exception {
        BpfObjectSpec o = BpfObjectSpec.read(Path.of("src/test/bpf/load/kconfig.bpf.o"));
        ExternResolutions r = ExternResolver.create(RunningKernelFacts.create())
                .resolveAll(o.externs(), o.btf().orElseThrow());
        assertTrue(r.unresolved().isEmpty(), r.toString());
        byte wrapped = ((ExternResolution.KconfigValue) r.get(o.extern("LINUX_HAS_SYSCALL_WRAPPER").orElseThrow()))
                .bytes()[0];
        assertEquals(kallsymsLine("__x64_sys_write") != null ? 1 : 0, wrapped, "LINUX_HAS_SYSCALL_WRAPPER");
        assertEquals(1, wrapped, "this x86-64 host wraps syscalls (libbpf 1.1 says 0 without kprobes)");
        byte cookie = ((ExternResolution.KconfigValue) r.get(o.extern("LINUX_HAS_BPF_COOKIE").orElseThrow())).bytes()[0];
        assertEquals(KernelVersion.current().atLeast(5, 15) ? 1 : 0, cookie, "bpf_get_attach_cookie is 5.15+");
        // The probe behind it can also say no: a helper id no kernel has.
        assertFalse(FeatureProbes.system().helper(dev.bpflux.obj.ProgramType.KPROBE, 100000));
        byte[] v = ((ExternResolution.KconfigValue) r.get(o.extern("LINUX_KERNEL_VERSION").orElseThrow())).bytes();
        int code = (v[0] & 0xff) | (v[1] & 0xff) << 8 | (v[2] & 0xff) << 16 | (v[3] & 0xff) << 24;
        assertEquals(KernelVersion.current().code(), code);
        byte[] hz = ((ExternResolution.KconfigValue) r.get(o.extern("CONFIG_HZ").orElseThrow())).bytes();
        assertEquals(Integer.parseInt(configValue("CONFIG_HZ")), (hz[0] & 0xff) | (hz[1] & 0xff) << 8);
    }

    @Test
    void kallsymsReaderReadsRealAddresses() throws IOException {
        KallsymsLookup l = KallsymsReader.system().lookup(Set.of("do_unlinkat", "__x64_sys_write", "bpflux_nothing"));
        assertFalse(l.zeroed());
        String line = kallsymsLine("do_unlinkat");
        assertEquals(List.of(Long.parseUnsignedLong(line.substring(0, 16), 16)), l.addresses().get("do_unlinkat"));
        assertFalse(l.addresses().containsKey("bpflux_nothing"));
    }

    /** The kernel's kallsyms_lookup_name() and the file scan agree, also on absent names. */
    @Test
    void lookupThroughTheKernelMatchesTheFileScan() {
        Set<String> names = Set.of("do_unlinkat", "vfs_read", "__x64_sys_write", "bpflux_nothing_like_this");
        KallsymsLookup viaKernel = KallsymsReader.system().lookup(names);
        KallsymsLookup viaFile = KallsymsReader.scanning().lookup(names);
        assertTrue(viaKernel.source().contains("kallsyms_lookup_name"), viaKernel.source());
        assertEquals("/proc/kallsyms", viaFile.source());
        assertEquals(viaFile.addresses(), viaKernel.addresses());
        assertEquals(3, viaKernel.addresses().size());
    }

    @Test
    void kernelBtfsFindsVmlinuxAndModuleObjectIds() {
        KernelBtfs b = KernelBtfs.system();
        assertTrue(b.vmlinux().btf().findByName("task_struct", BtfKind.STRUCT).length > 0);
        Map<String, Integer> ids = KernelBtfs.readKernelBtfIds(dev.bpflux.sys.Bpf.system());
        assertTrue(ids.containsKey("vmlinux"), "the kernel's own BTF object is listed: " + ids);
        for (String m : b.moduleNames()) {
            assertTrue(b.moduleBtfObjectId(m) > 0, m);
            assertEquals(m, b.module(m).moduleName());
            assertTrue(b.module(m).btf().firstTypeId() > b.vmlinux().btf().nextTypeId() - 1);
        }
    }

    @Test
    void onlyWhatTheExternsNeedIsRead() throws Exception {
        BpfObjectSpec o = BpfObjectSpec.read(Path.of("src/test/bpf/load/kconfig.bpf.o"));
        ExternSpec hz = o.extern("CONFIG_HZ").orElseThrow();
        // A config source that fails if read proves kfunc-only resolution never touches it.
        KernelConfigSource exploding = KernelConfigSource.searching(List.of(Path.of("/proc/self/mem")));
        RunningKernelFacts facts = RunningKernelFacts.of(KernelBtfs.system(), exploding, KallsymsReader.system());
        BpfObjectSpec k = BpfObjectSpec.read(Path.of("src/test/bpf/load/ksyms.bpf.o"));
        List<ExternSpec> kfuncs = k.externs().stream().filter(e -> e.kind() == ExternSpec.Kind.KFUNC).toList();
        ExternResolutions r = ExternResolver.create(facts).resolveAll(kfuncs, k.btf().orElseThrow());
        assertTrue(r.unresolved().isEmpty(), r.toString());
        // ...while a kconfig extern does read it (and an unreadable config is an error, never silently empty).
        dev.bpflux.BpfException e = org.junit.jupiter.api.Assertions.assertThrows(dev.bpflux.BpfException.class,
                () -> ExternResolver.create(facts).resolve(hz, o.btf().orElseThrow()));
        assertTrue(e.getMessage().contains("/proc/self/mem"), e.getMessage());
    }
}
