package dev.bpflux.load.compat;

import dev.bpflux.BpfException;

import java.util.List;

/**
 * Per-program compatibility of one object with the running kernel.
 *
 * @param object        the object's name (its path as read)
 * @param kernelRelease {@code uname -r} of the kernel it was checked against
 * @param verified      true when every verdict comes from loading (and attaching) the program alone,
 *                      false when from analysis without loading
 * @param programs      one verdict per program, in object order
 * @param warnings      what extern resolution warned about (weak kconfig externs read as 0 without a config)
 */
public record CompatibilityReport(String object, String kernelRelease, boolean verified,
                                  List<ProgramCompatibility> programs, List<String> warnings) {
    public CompatibilityReport {
        programs = List.copyOf(programs);
        warnings = List.copyOf(warnings);
    }

    public ProgramCompatibility program(String name) {
        return programs.stream().filter(p -> p.program().equals(name)).findFirst().orElseThrow(
                () -> new BpfException("no program '" + name + "' in the report of " + object + "; programs: "
                        + programs.stream().map(ProgramCompatibility::program).toList()));
    }

    /** The programs that can be loaded: what to pass to {@code LoadOptions.withProgramsToLoad}. */
    public List<String> loadablePrograms() {
        return programs.stream().filter(ProgramCompatibility::loads).map(ProgramCompatibility::program).toList();
    }

    /**
     * A table: program, section, load, attach, then each reason indented under its program.
     *
     * <pre>
     * ksyscall_write_hist.bpf.o on 6.18.44-fc-v669 (analysis, not loaded)
     * program    section         load  attach        reasons
     * bpf_prog3  ksyscall/write  yes   no            1
     *   - kprobes_unavailable: no kprobe PMU (/sys/bus/event_source/devices/kprobe): ...
     * </pre>
     */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        sb.append(object).append(" on ").append(kernelRelease)
                .append(verified ? " (verified: each program loaded and attached alone)" : " (analysis, not loaded)")
                .append('\n');
        int pw = 7;
        int sw = 7;
        for (ProgramCompatibility p : programs) {
            pw = Math.max(pw, p.program().length());
            sw = Math.max(sw, p.section().length());
        }
        String fmt = "%-" + pw + "s  %-" + sw + "s  %-4s  %-12s  %s%n";
        sb.append(String.format(fmt, "program", "section", "load", "attach", "reasons"));
        for (ProgramCompatibility p : programs) {
            sb.append(String.format(fmt, p.program(), p.section(), p.loads() ? "yes" : "no", p.attach().text(),
                    p.reasons().size()));
            for (CompatibilityReason r : p.reasons()) {
                sb.append("  - ").append(r.kind().jsonName()).append(r.subject().isEmpty() ? "" : " " + r.subject())
                        .append(": ").append(r.message().strip().replace("\n", "\n      ")).append('\n');
            }
        }
        for (String w : warnings) {
            sb.append("warning: ").append(w).append('\n');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return toText();
    }
}
