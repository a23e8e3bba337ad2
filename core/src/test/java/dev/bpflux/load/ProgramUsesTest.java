package dev.bpflux.load;

import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.obj.ExternSpec;
import dev.bpflux.obj.MapSpec;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What each program of an object uses, as the loader links it: no kernel needed. */
class ProgramUsesTest {
    static final BpfObjectSpec MIXED = BpfObjectSpec.read(Path.of("src/test/bpf/compat/mixed_kfuncs.bpf.o"));

    @Test
    void plainProgramUsesNoKfuncsAndNoMap() {
        ProgramUses u = ProgramUses.of(MIXED, "count_getpid");
        assertEquals(List.of(), u.maps());
        assertEquals(List.of("CONFIG_HZ"), u.externs().stream().map(ExternSpec::name).toList());
        assertTrue(u.dataSections().contains(".bss") && u.dataSections().contains(".rodata"), u.dataSections()::toString);
        assertEquals(List.of(14), u.helperIds()); // bpf_get_current_pid_tgid
        assertEquals(List.of(), u.coreRelocations());
    }

    @Test
    void kfuncProgramUsesItsKfuncsAndMapAndCoRe() {
        ProgramUses u = ProgramUses.of(MIXED, "count_cpus");
        assertEquals(List.of("cpus"), u.maps().stream().map(MapSpec::name).toList());
        assertEquals(java.util.Set.of("bpf_cpumask_create", "bpf_cpumask_release", "bpf_cpumask_copy",
                "bpf_cpumask_weight"), java.util.Set.copyOf(u.externs().stream().map(ExternSpec::name).toList()));
        assertEquals(4, u.externs().size());
        // Kfunc calls are not helpers; bpf_map_update_elem (2) is.
        assertEquals(List.of(2), u.helperIds());
        assertTrue(u.coreRelocations().size() >= 1); // task->cpus_ptr
    }

    @Test
    void subprogramsAreLinkedIn() {
        BpfObjectSpec subprogs = BpfObjectSpec.read(Path.of("src/test/bpf/load/subprogs.bpf.o"));
        for (var p : subprogs.programs()) {
            ProgramUses u = ProgramUses.of(subprogs, p.name());
            assertTrue(u.insns().size() > p.instructions().size(), p.name() + " should have subprograms appended");
        }
    }
}
