package dev.bpflux.obj;

import dev.bpflux.obj.btf.BtfExt;

import java.util.List;
import java.util.Optional;

/**
 * A BPF program of an object: a global function in a program section ({@code SEC("tp/...")}).
 *
 * @param name               the function's symbol name
 * @param sectionName        the ELF section name, e.g. {@code tp/syscalls/sys_enter_write}
 * @param section            what the section name says (program type, attach type, flags, how it attaches):
 *                           its {@link ProgramSections} definition, or one of type
 *                           {@link ProgramType#UNSPEC} for a section no convention matches
 * @param attachTarget       the part of the section name after the prefix's '/', e.g.
 *                           {@code syscalls/sys_enter_write}, {@code do_unlinkat}; "" when absent (or the
 *                           target set with {@link #withAttachTarget})
 * @param function           the entry function: instructions, relocations and BTF.ext records
 */
public record ProgramSpec(String name, String sectionName, ProgramSections.Definition section,
                          String attachTarget, FunctionSpec function) {

    public ProgramType type() {
        return section.type();
    }

    /** Whether the section name says the program type ({@code false}: unknown section, type to be set). */
    public boolean typeKnown() {
        return section.known();
    }

    /**
     * This program with its attach target replaced, as libbpf's {@code bpf_program__set_attach_target}
     * does for a placeholder such as {@code fentry/func}: for BTF-attached programs the function (or
     * tracepoint, hook) whose BTF id is passed at load; for others the default target of {@code attach()}.
     */
    public ProgramSpec withAttachTarget(String target) {
        return new ProgramSpec(name, sectionName, section, target, function);
    }

    /** This program with its program type and expected attach type ({@code null}: none) set. */
    public ProgramSpec withType(ProgramType type, AttachType attachType) {
        return new ProgramSpec(name, sectionName, section.withType(type, attachType), attachTarget, function);
    }

    /**
     * The {@code expected_attach_type} libbpf would pass at load; empty where it passes 0 without that
     * meaning anything (kprobes, tracepoints, socket filters...).
     */
    public Optional<AttachType> expectedAttachType() {
        return Optional.ofNullable(section.attachType());
    }

    /** Whether the program may sleep ({@code BPF_F_SLEEPABLE}, Linux 5.10): a {@code .s} section. */
    public boolean sleepable() {
        return section.sleepable();
    }

    public Instructions instructions() {
        return function.instructions();
    }

    public List<Relocation> relocations() {
        return function.relocations();
    }

    public List<BtfExt.FuncInfo> funcInfos() {
        return function.funcInfos();
    }

    public List<BtfExt.LineInfo> lineInfos() {
        return function.lineInfos();
    }

    public List<BtfExt.CoreRelocation> coreRelocations() {
        return function.coreRelocations();
    }
}
