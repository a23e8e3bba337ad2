package dev.bpflux.load.compat;

import java.util.List;

/**
 * The verdict for one program.
 *
 * @param program  the program's function name
 * @param section  its ELF section
 * @param loads    whether it can be loaded on this kernel
 * @param attach   whether it can be attached where its section says ({@link Attach#NO} when it cannot load)
 * @param reasons  why not, and notes ({@link CompatibilityReason.Effect#NOTE}); in the order found
 */
public record ProgramCompatibility(String program, String section, boolean loads, Attach attach,
                                   List<CompatibilityReason> reasons) {
    /** Whether a program can be attached. */
    public enum Attach {
        YES,
        NO,
        /** Attaching needs input the section cannot give: an interface, cgroup, binary or perf event. */
        NEEDS_TARGET;

        public String text() {
            return this == NEEDS_TARGET ? "needs-target" : name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public ProgramCompatibility {
        reasons = List.copyOf(reasons);
        if (!loads) {
            attach = Attach.NO;
        }
    }

    /** The reasons of {@code kind}. */
    public List<CompatibilityReason> reasons(CompatibilityReason.Kind kind) {
        return reasons.stream().filter(r -> r.kind() == kind).toList();
    }

    /** Whether any reason is of {@code kind}. */
    public boolean has(CompatibilityReason.Kind kind) {
        return reasons.stream().anyMatch(r -> r.kind() == kind);
    }
}
