package dev.bpflux.load;

import dev.bpflux.BpfException;
import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.obj.ExternSpec;
import dev.bpflux.obj.Instructions;
import dev.bpflux.obj.MapSpec;
import dev.bpflux.obj.MapType;
import dev.bpflux.obj.ProgramSections;
import dev.bpflux.obj.ProgramSpec;
import dev.bpflux.obj.Relocation;
import dev.bpflux.obj.btf.BtfExt;
import dev.bpflux.obj.extern.KernelFacts;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What one program, linked with its subprograms as the loader links it, needs from the kernel: the
 * maps and data sections it references (the ones a per-program load creates), its externs (the ones a
 * per-program load resolves), its CO-RE records and the helpers it calls. Pure: no kernel. The loader
 * decides what to create and resolve from this record, so analyses such as
 * {@code dev.bpflux.load.compat} see exactly what {@link BpfObject#load} does.
 *
 * @param program        the program
 * @param insns          the linked instructions (subprograms appended, calls patched)
 * @param maps           {@code .maps} maps it references, plus the maps in their {@code .values}
 * @param dataSections   global data sections it references ({@code .data}, {@code .rodata}, ...)
 * @param externs        externs it references, in object order
 * @param coreRelocations CO-RE records, indexes relative to {@code insns}
 * @param helperIds      ids ({@code enum bpf_func_id}) of the helpers it calls, in first-call order
 */
public record ProgramUses(ProgramSpec program, Instructions insns, List<MapSpec> maps, List<String> dataSections,
                          List<ExternSpec> externs, List<BtfExt.CoreRelocation> coreRelocations,
                          List<Integer> helperIds) {
    public ProgramUses {
        maps = List.copyOf(maps);
        dataSections = List.copyOf(dataSections);
        externs = List.copyOf(externs);
        coreRelocations = List.copyOf(coreRelocations);
        helperIds = List.copyOf(helperIds);
    }

    /** What program {@code programName} of {@code spec} uses, as {@link BpfObject#load} links it. */
    public static ProgramUses of(BpfObjectSpec spec, String programName) {
        return of(spec, programName, LoadOptions.defaults());
    }

    /**
     * What program {@code programName} of {@code spec} uses, as {@link BpfObject#load} links it under
     * {@code options} (with the attach target and type they set for it).
     */
    public static ProgramUses of(BpfObjectSpec spec, String programName, LoadOptions options) {
        ProgramSpec p = spec.program(programName).orElseThrow(() -> new BpfException("no program '" + programName
                + "' in " + spec.name()));
        return of(spec, new ProgramLinker(spec).link(options.program(p)));
    }

    /** What linked program {@code lp} uses: the one computation the loader and the analyses share. */
    static ProgramUses of(BpfObjectSpec spec, ProgramLinker.LinkedProgram lp) {
        ProgramSpec p = lp.program();
        Set<String> mapNames = new LinkedHashSet<>();
        Set<String> sections = new LinkedHashSet<>();
        Set<String> externNames = new LinkedHashSet<>();
        Set<Integer> externInsns = new java.util.HashSet<>();
        for (Relocation r : lp.relocations()) {
            if (r instanceof Relocation.MapReference) {
                mapNames.add(((Relocation.MapReference) r).mapName());
            } else if (r instanceof Relocation.DataReference) {
                sections.add(((Relocation.DataReference) r).sectionName());
            } else if (r instanceof Relocation.ExternReference) {
                externNames.add(((Relocation.ExternReference) r).externName());
                externInsns.add(r.insnIndex());
            }
        }
        for (String outer : List.copyOf(mapNames)) {
            spec.map(outer).ifPresent(m -> {
                if (m.type() == MapType.ARRAY_OF_MAPS || m.type() == MapType.HASH_OF_MAPS) {
                    mapNames.addAll(m.initialValues().values());
                }
            });
        }
        List<MapSpec> maps = new ArrayList<>();
        for (MapSpec m : spec.maps()) {
            if (mapNames.contains(m.name())) {
                maps.add(m);
            }
        }
        List<ExternSpec> externs = new ArrayList<>();
        for (ExternSpec e : spec.externs()) {
            if (externNames.contains(e.name())) {
                externs.add(e);
            }
        }
        // A helper call is BPF_JMP|BPF_CALL with src_reg 0; kfunc calls carry an extern relocation and
        // subprogram calls were linked to src_reg BPF_PSEUDO_CALL.
        Set<Integer> helpers = new LinkedHashSet<>();
        long[] insns = lp.insns();
        for (int i = 0; i < insns.length; i++) {
            if (Instructions.opcode(insns[i]) == Instructions.OP_CALL && Instructions.src(insns[i]) == 0
                    && !externInsns.contains(i)) {
                helpers.add(Instructions.imm(insns[i]));
            }
        }
        return new ProgramUses(p, Instructions.of(insns), maps, List.copyOf(sections), externs, lp.coreRelocations(),
                List.copyOf(helpers));
    }

    /**
     * Why a program in a section of unknown name cannot load (its type is unknown), and what to do: the
     * loader's error and the compatibility report's reason.
     */
    public static String unknownSection(ProgramSpec p) {
        return "program '" + p.name() + "' is in section '" + p.sectionName() + "', which is not a known program "
                + "section, so its program type is unknown (libbpf: \"missing BPF prog type\"); rename the section "
                + "to a known one (" + ProgramSections.acceptedPatterns() + ") or set its type with "
                + "LoadOptions.withProgramType(\"" + p.name() + "\", type, attachType); or load only other "
                + "programs (LoadOptions.withProgramsToLoad, --program)";
    }

    /**
     * The kernel facts {@link BpfObject#load} resolves externs with under {@code options} (the JVM-wide
     * running-kernel facts, or facts of their own when {@code options} name a kernel config).
     */
    public static KernelFacts kernelFacts(LoadOptions options) {
        return DefaultExterns.facts(options);
    }

    /**
     * Checks that the kernel BTF target a BTF-attached program (tp_btf, fentry/fexit/fmod_ret, lsm, iter)
     * names exists, as the loader resolves {@code attach_btf_id}; throws the loader's error when not.
     */
    public static void requireAttachBtfTarget(ProgramSpec program) {
        AttachTargets.Target t = AttachTargets.resolve(dev.bpflux.sys.Bpf.system(), program);
        if (t.moduleBtf() != null) {
            t.moduleBtf().close();
        }
    }

    /**
     * Loads a stand-in for a BTF-attached {@code program}: {@code r0 = 0; exit} with the program's type,
     * expected attach type, {@code attach_btf_id} and sleepable flag, as the loader would pass them. Tells
     * whether the kernel takes this kind of program at this target (BPF trampolines for fentry/fexit/
     * fmod_ret/lsm, error injection for fmod_ret) apart from the program's own code. The caller closes it.
     */
    public static dev.bpflux.prog.BpfProgram loadStandIn(ProgramSpec program) {
        AttachTargets.Target t = AttachTargets.resolve(dev.bpflux.sys.Bpf.system(), program);
        try {
            dev.bpflux.prog.ProgramLoadRequest.Builder req = dev.bpflux.prog.ProgramLoadRequest.builder(
                            program.type(), dev.bpflux.obj.Assembler.returnImm(0))
                    .name(program.name()).license("GPL")
                    .expectedAttachType(program.expectedAttachType().orElse(null))
                    .attachBtfId(t.btfId())
                    .flags(program.sleepable() ? dev.bpflux.prog.ProgramLoadRequest.BPF_F_SLEEPABLE : 0);
            if (t.moduleBtf() != null) {
                req.attachBtfObjFd(t.moduleBtf().fd());
            }
            return dev.bpflux.prog.BpfProgram.load(req.build());
        } finally {
            if (t.moduleBtf() != null) {
                t.moduleBtf().close();
            }
        }
    }
}
