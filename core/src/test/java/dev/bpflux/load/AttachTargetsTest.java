package dev.bpflux.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.BpfException;
import dev.bpflux.obj.AttachType;
import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.obj.ProgramSpec;
import dev.bpflux.obj.ProgramType;
import dev.bpflux.obj.btf.Btf;
import dev.bpflux.obj.btf.BtfKind;
import dev.bpflux.obj.btf.BtfType;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The attach BTF id of programs retargeted before load ({@link LoadOptions#withAttachTarget}), checked
 * against the running kernel's vmlinux BTF, which is world-readable: no root, no load. fentry programs
 * cannot load on hosts that refuse trampolines, so this is where their retargeting is proven.
 */
class AttachTargetsTest {
    static final BpfObjectSpec RETARGET = BpfObjectSpec.read(BpfObjectTest.CORPUS.resolve("retarget.bpf.o"));
    static final Btf VMLINUX = Btf.read(Path.of("/sys/kernel/btf/vmlinux"));

    private static ProgramSpec program(String name, LoadOptions options) {
        return options.program(RETARGET.program(name).orElseThrow());
    }

    private static int resolve(ProgramSpec p) {
        AttachTargets.Target t = AttachTargets.resolve(dev.bpflux.sys.Bpf.system(), p);
        assertNull(t.moduleBtf(), "a vmlinux target needs no module BTF fd");
        return t.btfId();
    }

    @Test
    void fentryPlaceholderRetargetedToAKernelFunctionResolvesToThatFunction() {
        ProgramSpec p = program("on_func", LoadOptions.defaults().withAttachTarget("on_func", "do_unlinkat"));
        int id = resolve(p);
        BtfType t = VMLINUX.type(id);
        assertTrue(t instanceof BtfType.Func, t::toString);
        assertEquals("do_unlinkat", VMLINUX.typeName(id));
        assertEquals(AttachType.TRACE_FENTRY, p.expectedAttachType().orElseThrow());
    }

    @Test
    void tpBtfPlaceholderRetargetedToATracepointResolvesToItsBtfTraceTypedef() {
        ProgramSpec p = program("on_placeholder_tp", LoadOptions.defaults()
                .withAttachTarget("on_placeholder_tp", "sched_switch"));
        int id = resolve(p);
        assertEquals(VMLINUX.findByName("btf_trace_sched_switch", BtfKind.TYPEDEF)[0], id);
    }

    @Test
    void theTargetIsNamedByTheExpectedAttachTypeAsInLibbpf() {
        // The same section retyped as an lsm program names the hook bpf_lsm_<target>.
        ProgramSpec p = program("on_func", LoadOptions.defaults()
                .withProgramType("on_func", ProgramType.LSM, AttachType.LSM_MAC)
                .withAttachTarget("on_func", "file_open"));
        assertEquals(VMLINUX.findByName("bpf_lsm_file_open", BtfKind.FUNC)[0], resolve(p));
    }

    @Test
    void anUnsetPlaceholderSaysHowToSetTheTarget() {
        BpfException e = assertThrows(BpfException.class,
                () -> AttachTargets.resolve(dev.bpflux.sys.Bpf.system(), RETARGET.program("on_func").orElseThrow()));
        assertTrue(e.getMessage().contains("no FUNC named 'func'")
                && e.getMessage().contains("LoadOptions.withAttachTarget(\"on_func\"")
                && e.getMessage().contains("--attach-target on_func="), e.getMessage());
    }

    @Test
    void optionsAreImmutableAndSettingsCombine() {
        LoadOptions base = LoadOptions.defaults();
        LoadOptions typed = base.withProgramType("in_mystery", ProgramType.SOCKET_FILTER, null);
        LoadOptions both = typed.withAttachTarget("in_mystery", "x");
        assertTrue(base.programSettings().isEmpty());
        assertEquals(new LoadOptions.ProgramSetting(null, ProgramType.SOCKET_FILTER, null),
                typed.programSettings().get("in_mystery"));
        assertEquals(new LoadOptions.ProgramSetting("x", ProgramType.SOCKET_FILTER, null),
                both.programSettings().get("in_mystery"));
        ProgramSpec p = program("in_mystery", both);
        assertEquals(ProgramType.SOCKET_FILTER, p.type());
        assertEquals("x", p.attachTarget());
        assertThrows(IllegalArgumentException.class, () -> base.withAttachTarget("on_func", ""));
        assertThrows(IllegalArgumentException.class, () -> base.withProgramType("on_func", ProgramType.UNSPEC, null));
    }
}
