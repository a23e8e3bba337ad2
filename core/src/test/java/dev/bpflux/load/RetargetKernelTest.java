package dev.bpflux.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.BpfException;
import dev.bpflux.link.BpfLink;
import dev.bpflux.obj.ProgramType;
import dev.bpflux.sys.SyscallTrigger;
import dev.bpflux.testing.KernelTest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Objects whose sections do not say everything, as real tools ship them (found loading 68 objects
 * beside libbpf): an attach target that is a placeholder set at run time, and a section of no known
 * name next to valid programs. Real loads, attaches and counted events.
 */
@KernelTest
class RetargetKernelTest {
    static final Path OBJECT = BpfObjectTest.CORPUS.resolve("retarget.bpf.o");

    private static LoadOptions counting() {
        return LoadOptions.defaults().withVariable("target_tgid", Trigger.tgid());
    }

    @Test
    void aTpBtfPlaceholderRetargetedBeforeLoadAttachesAndCountsTheRealTracepoint() {
        LoadOptions opts = counting().withProgramsToLoad("on_placeholder_tp")
                .withAttachTarget("on_placeholder_tp", "sys_enter");
        try (BpfObject obj = BpfObject.load(OBJECT, opts)) {
            int k = 7;
            obj.global("target_tid").writeInt(SyscallTrigger.gettid());
            try (BpfLink link = obj.program("on_placeholder_tp").attach()) {
                Trigger.getpid(k);
            }
            assertEquals(k, obj.global("placeholder_calls").readLong());
            assertEquals("sys_enter", obj.program("on_placeholder_tp").spec().attachTarget());
        }
    }

    @Test
    void aPlaceholderLeftAsItIsFailsNamingTheTargetAndHowToSetIt() {
        BpfException e = assertThrows(BpfException.class,
                () -> BpfObject.load(OBJECT, counting().withProgramsToLoad("on_placeholder_tp")));
        assertTrue(e.getMessage().contains("btf_trace_placeholder")
                && e.getMessage().contains("withAttachTarget(\"on_placeholder_tp\""), e.getMessage());
    }

    @Test
    void aRawTracepointPlaceholderTakesItsTargetFromTheOptionsAtAttach() {
        LoadOptions opts = counting().withProgramsToLoad("on_placeholder_raw")
                .withAttachTarget("on_placeholder_raw", "sys_enter");
        try (BpfObject obj = BpfObject.load(OBJECT, opts)) {
            int k = 4;
            obj.global("target_tid").writeInt(SyscallTrigger.gettid());
            try (BpfLink link = obj.program("on_placeholder_raw").attach()) {
                Trigger.getpid(k);
            }
            assertEquals(k, obj.global("raw_calls").readLong());
        }
    }

    @Test
    void anUnknownSectionDoesNotStopLoadingTheOtherPrograms() {
        // Before: the object was rejected at parse ("not a known program section") whatever was selected.
        try (BpfObject obj = BpfObject.load(OBJECT, counting().withProgramsToLoad("on_placeholder_raw"))) {
            assertEquals(1, obj.programs().size());
        }
    }

    @Test
    void loadingTheProgramOfUnknownTypeFailsNamingItsSectionAndTheWayOut() {
        BpfException e = assertThrows(BpfException.class, () -> BpfObject.load(OBJECT, counting()
                .withAttachTarget("on_placeholder_tp", "sys_enter")
                .withAttachTarget("on_placeholder_raw", "sys_enter")
                .withAttachTarget("on_func", "do_unlinkat")));
        assertTrue(e.getMessage().contains("program 'in_mystery' is in section 'mystery/section'")
                && e.getMessage().contains("kprobe[/...]")
                && e.getMessage().contains("withProgramType(\"in_mystery\""), e.getMessage());
    }

    @Test
    void aProgramOfUnknownTypeLoadsOnceItsTypeIsSetAndRunsAsThatType() {
        LoadOptions opts = counting().withProgramsToLoad("in_mystery")
                .withProgramType("in_mystery", ProgramType.SOCKET_FILTER, null);
        try (BpfObject obj = BpfObject.load(OBJECT, opts)) {
            ObjectProgram p = obj.program("in_mystery");
            assertEquals(ProgramType.SOCKET_FILTER, p.type());
            // The kernel ran it as a socket filter: it returns 0 (drop) for any packet.
            assertEquals(0, p.program().testRun(new byte[64], 1).returnValue());
            BpfException e = assertThrows(BpfException.class, p::attach);
            assertTrue(e.getMessage().contains("cannot be attached automatically"), e.getMessage());
        }
    }

    @Test
    void settingsForAProgramTheObjectLacksAreRefused() {
        BpfException e = assertThrows(BpfException.class,
                () -> BpfObject.load(OBJECT, counting().withAttachTarget("no_such_prog", "sys_enter")));
        assertTrue(e.getMessage().contains("no program 'no_such_prog'") && e.getMessage().contains("on_func"),
                e.getMessage());
    }
}
