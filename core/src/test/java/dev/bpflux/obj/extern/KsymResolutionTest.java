package dev.bpflux.obj.extern;

import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.obj.ExternSpec;
import dev.bpflux.obj.btf.Btf;
import dev.bpflux.obj.btf.BtfKind;
import dev.bpflux.obj.core.TargetBtfs;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Typed and untyped {@code __ksym}s and kfuncs of the test objects resolved against this machine's real
 * vmlinux BTF (ids checked against {@code bpftool btf dump}) and kallsyms text the test writes. No root.
 */
class KsymResolutionTest {
    static BpfObjectSpec ksyms;
    static BpfObjectSpec typed;
    static Btf kernel;
    /** "FUNC name" / "VAR name" -> id, from bpftool. */
    static Map<String, Integer> bpftoolIds = new HashMap<>();

    static final String KALLSYMS = "ffffffff81000000 T _text\nffffffff816d4e50 T do_unlinkat\n"
            + "ffffffff82400000 D __start_rodata\n";

    @BeforeAll
    static void load() throws Exception {
        ksyms = BpfObjectSpec.read(Path.of("src/test/bpf/load/ksyms.bpf.o"));
        typed = BpfObjectSpec.read(Path.of("src/test/bpf/load/ksym_typed.bpf.o"));
        kernel = Btf.readKernel();
        Pattern p = Pattern.compile("^\\[(\\d+)] (FUNC|VAR) '([^']+)'");
        Process proc = new ProcessBuilder("bpftool", "btf", "dump", "file", "/sys/kernel/btf/vmlinux").start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                Matcher m = p.matcher(line);
                if (m.find()) {
                    bpftoolIds.putIfAbsent(m.group(2) + " " + m.group(3), Integer.parseInt(m.group(1)));
                }
            }
        }
        assertEquals(0, proc.waitFor());
    }

    static FixedFacts facts(String kallsyms) {
        return new FixedFacts(() -> TargetBtfs.of(kernel, Map.of()), () -> {
            throw new AssertionError("ksym resolution must not read the kernel config");
        }, kallsyms);
    }

    @Test
    void kfuncsResolveToTheirVmlinuxFuncIds() {
        FixedFacts f = facts(KALLSYMS);
        ExternResolutions r = ExternResolver.create(f).resolveAll(ksyms.externs(), ksyms.btf().orElseThrow());
        for (String name : List.of("bpf_lookup_system_key", "bpf_key_put", "bpf_task_acquire", "bpf_task_release")) {
            ExternResolution.Kfunc k = assertInstanceOf(ExternResolution.Kfunc.class,
                    r.get(ksyms.extern(name).orElseThrow()), name);
            assertEquals(bpftoolIds.get("FUNC " + name).intValue(), k.btfId(), name);
            assertEquals(0, k.moduleBtfObjId());
            assertEquals(null, k.moduleName());
        }
        String why = assertInstanceOf(ExternResolution.WeakMissing.class,
                r.get(ksyms.extern("bpflux_missing_kfunc").orElseThrow())).reason();
        assertTrue(why.contains("bpflux_missing_kfunc") && why.contains("vmlinux"), why);
    }

    @Test
    void untypedKsymsComeFromKallsymsInOnePass() {
        FixedFacts f = facts(KALLSYMS);
        ExternResolutions r = ExternResolver.create(f).resolveAll(ksyms.externs(), ksyms.btf().orElseThrow());
        assertEquals(new ExternResolution.KsymAddress(0xffffffff816d4e50L), r.get(ksyms.extern("do_unlinkat").orElseThrow()));
        assertInstanceOf(ExternResolution.WeakMissing.class, r.get(ksyms.extern("init_task").orElseThrow()));
        assertInstanceOf(ExternResolution.WeakMissing.class, r.get(ksyms.extern("bpflux_missing_symbol").orElseThrow()));
        assertEquals(1, f.asked.stream().filter("kallsyms"::equals).count(), "one kallsyms pass: " + f.asked);
        assertFalse(f.asked.contains("config"));
        assertTrue(r.unresolved().isEmpty());
    }

    @Test
    void zeroedKallsymsFailUntypedKsymsButNotBtfOnes() {
        String zeroed = KALLSYMS.replaceAll("(?m)^[0-9a-f]{16}", "0000000000000000");
        ExternResolutions r = ExternResolver.create(facts(zeroed)).resolveAll(ksyms.externs(), ksyms.btf().orElseThrow());
        String msg = assertInstanceOf(ExternResolution.Unresolved.class, r.get(ksyms.extern("do_unlinkat").orElseThrow()))
                .message();
        assertTrue(msg.contains("address 0") && msg.contains("kptr_restrict") && msg.contains("CAP_SYSLOG"), msg);
        assertTrue(msg.contains("typed __ksym"), msg);
        assertInstanceOf(ExternResolution.Kfunc.class, r.get(ksyms.extern("bpf_key_put").orElseThrow()));
        ExternResolutions t = ExternResolver.create(facts(zeroed)).resolveAll(typed.externs(), typed.btf().orElseThrow());
        assertInstanceOf(ExternResolution.KsymVariable.class, t.get(typed.extern("bpf_prog_active").orElseThrow()));
    }

    @Test
    void ambiguousKallsymsAddressesFail() {
        String twice = KALLSYMS + "ffffffff81777777 t do_unlinkat\n";
        ExternResolution r = ExternResolver.create(facts(twice)).resolve(ksyms.extern("do_unlinkat").orElseThrow(),
                ksyms.btf().orElseThrow());
        String msg = assertInstanceOf(ExternResolution.Unresolved.class, r).message();
        assertTrue(msg.contains("ambiguous") && msg.contains("0xffffffff81777777"), msg);
    }

    @Test
    void typedKsymVariablesResolveToTheirVarIds() {
        FixedFacts f = facts("");
        ExternResolutions r = ExternResolver.create(f).resolveAll(typed.externs(), typed.btf().orElseThrow());
        for (String name : List.of("bpf_prog_active", "runqueues")) {
            ExternResolution.KsymVariable v = assertInstanceOf(ExternResolution.KsymVariable.class,
                    r.get(typed.extern(name).orElseThrow()), name);
            assertEquals(bpftoolIds.get("VAR " + name).intValue(), v.btfId(), name);
            assertEquals(0, v.moduleBtfObjId());
        }
        assertFalse(f.asked.contains("kallsyms"), "typed ksyms need no kallsyms: " + f.asked);
    }

    @Test
    void missingStrongKsymsSayWhereTheyWereLookedFor() {
        Btf local = typed.btf().orElseThrow();
        ExternSpec real = typed.extern("bpf_prog_active").orElseThrow();
        ExternSpec missing = new ExternSpec("bpflux_no_such_var", real.kind(), false, real.btfId(), real.typeId(),
                ".ksyms", 0, 4);
        String msg = assertInstanceOf(ExternResolution.Unresolved.class,
                ExternResolver.create(facts("")).resolve(missing, local)).message();
        assertTrue(msg.contains("bpflux_no_such_var") && msg.contains("vmlinux"), msg);
        ExternSpec weak = new ExternSpec("bpflux_no_such_var", real.kind(), true, real.btfId(), real.typeId(),
                ".ksyms", 0, 4);
        assertInstanceOf(ExternResolution.WeakMissing.class, ExternResolver.create(facts("")).resolve(weak, local));

        ExternSpec kf = ksyms.extern("bpf_key_put").orElseThrow();
        ExternSpec missingKfunc = new ExternSpec("bpflux_no_such_kfunc", kf.kind(), false, kf.btfId(), kf.typeId(),
                ".ksyms", 0, 0);
        msg = assertInstanceOf(ExternResolution.Unresolved.class,
                ExternResolver.create(facts("")).resolve(missingKfunc, ksyms.btf().orElseThrow())).message();
        assertTrue(msg.contains("bpflux_no_such_kfunc") && msg.contains("kernel BTF"), msg);
        ExternSpec missingAddr = new ExternSpec("bpflux_no_such_symbol", ExternSpec.Kind.KSYM_UNTYPED, false, 0, 0,
                ".ksyms", 0, 1);
        msg = assertInstanceOf(ExternResolution.Unresolved.class,
                ExternResolver.create(facts(KALLSYMS)).resolve(missingAddr, ksyms.btf().orElseThrow())).message();
        assertTrue(msg.contains("bpflux_no_such_symbol") && msg.contains("test kallsyms"), msg);
    }

    @Test
    void incompatibleTypesAreRejected() {
        Btf local = typed.btf().orElseThrow();
        ExternSpec prog = typed.extern("bpf_prog_active").orElseThrow();
        ExternSpec rq = typed.extern("runqueues").orElseThrow();
        // bpf_prog_active is an int in the kernel; declare it as struct rq.
        ExternSpec wrong = new ExternSpec(prog.name(), prog.kind(), true, prog.btfId(), rq.typeId(), ".ksyms", 0, 4);
        String msg = assertInstanceOf(ExternResolution.Unresolved.class,
                ExternResolver.create(facts("")).resolve(wrong, local)).message();
        assertTrue(msg.contains("incompatible") && msg.contains("struct rq"), msg);

        // bpf_key_put(struct bpf_key *) declared with bpf_lookup_system_key's prototype (u64 -> struct bpf_key *).
        Btf kl = ksyms.btf().orElseThrow();
        ExternSpec put = ksyms.extern("bpf_key_put").orElseThrow();
        ExternSpec lookup = ksyms.extern("bpf_lookup_system_key").orElseThrow();
        ExternSpec strong = new ExternSpec(put.name(), put.kind(), false, put.btfId(), lookup.typeId(), ".ksyms", 0, 0);
        msg = assertInstanceOf(ExternResolution.Unresolved.class, ExternResolver.create(facts("")).resolve(strong, kl))
                .message();
        assertTrue(msg.contains("incompatible"), msg);
        ExternSpec weak = new ExternSpec(put.name(), put.kind(), true, put.btfId(), lookup.typeId(), ".ksyms", 0, 0);
        assertInstanceOf(ExternResolution.WeakMissing.class, ExternResolver.create(facts("")).resolve(weak, kl));
    }

    @Test
    void flavoredKfuncNamesAreLookedUpByEssentialName() {
        ExternSpec kf = ksyms.extern("bpf_key_put").orElseThrow();
        ExternSpec flavored = new ExternSpec("bpf_key_put___v2", kf.kind(), false, kf.btfId(), kf.typeId(), ".ksyms", 0, 0);
        ExternResolution.Kfunc k = assertInstanceOf(ExternResolution.Kfunc.class,
                ExternResolver.create(facts("")).resolve(flavored, ksyms.btf().orElseThrow()));
        assertEquals(kernel.findFirst("bpf_key_put", BtfKind.FUNC).orElseThrow().intValue(), k.btfId());
    }

    @Test
    void explainsTheKernelsTypedKsymRefusal() {
        String log = "0: R1=ctx() R10=fp0\n; int x = bpf_prog_active;\nldimm64 failed to find the address for kernel "
                + "symbol 'bpf_prog_active'.\nprocessed 0 insns";
        FixedFacts f = facts("");
        String why = ExternResolver.create(f).explainLoadFailure(log).orElseThrow();
        assertTrue(why.startsWith("this kernel lacks CONFIG_KALLSYMS_ALL (typed __ksym variables need it)"), why);
        assertTrue(why.contains("address ('bpf_prog_active') through kallsyms"), why);
        assertTrue(why.contains("extern const void bpf_prog_active __ksym;"), why);
        f.dataSymbols = true;
        assertFalse(ExternResolver.create(f).explainLoadFailure(log).orElseThrow().contains("lacks"));
        assertTrue(ExternResolver.create(f).explainLoadFailure("invalid mem access").isEmpty());
    }
}
