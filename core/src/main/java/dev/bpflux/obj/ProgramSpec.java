package dev.bpflux.obj;

import dev.bpflux.obj.btf.BtfExt;

import java.util.List;
import java.util.Optional;

/**
 * A BPF program of an object: a global function in a program section ({@code SEC("tp/...")}).
 *
 * @param name               the function's symbol name
 * @param sectionName        the ELF section name, e.g. {@code tp/syscalls/sys_enter_write}
 * @param section            what the section name says (program type, attach type, flags)
 * @param attachTarget       the part of the section name after the prefix's '/', e.g.
 *                           {@code syscalls/sys_enter_write}, {@code do_unlinkat}; "" when absent
 * @param function           the entry function: instructions, relocations and BTF.ext records
 */
public record ProgramSpec(String name, String sectionName, ProgramSections.Definition section,
                          String attachTarget, FunctionSpec function) {

    public ProgramType type() {
        return section.type();
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
