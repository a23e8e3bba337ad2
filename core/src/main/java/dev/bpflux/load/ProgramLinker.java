package dev.bpflux.load;

import dev.bpflux.BpfObjectException;
import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.obj.FunctionSpec;
import dev.bpflux.obj.Instructions;
import dev.bpflux.obj.ProgramSpec;
import dev.bpflux.obj.Relocation;
import dev.bpflux.obj.btf.BtfExt;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Links one program: appends the subprograms it calls (transitively, each once) after its entry
 * function, patches call and callback distances, and shifts every function's relocations, func_info,
 * line_info and CO-RE records to their linked positions. Pure: no kernel.
 *
 * <p>Order follows libbpf so the kernel holds the same instructions: walking a function's
 * instructions, the first call to a function not yet appended appends it at the end and links it
 * (depth first) before the walk continues.
 */
final class ProgramLinker {
    private final BpfObjectSpec spec;

    ProgramLinker(BpfObjectSpec spec) {
        this.spec = spec;
    }

    /** A linked program: instructions plus records with indexes relative to its first instruction. */
    record LinkedProgram(ProgramSpec program, long[] insns, List<Placed> functions, List<Relocation> relocations,
                         List<BtfExt.FuncInfo> funcInfos, List<BtfExt.LineInfo> lineInfos,
                         List<BtfExt.CoreRelocation> coreRelocations) {
    }

    /** A function and the index where it landed. */
    record Placed(FunctionSpec function, int start) {
    }

    LinkedProgram link(ProgramSpec program) {
        List<long[]> parts = new ArrayList<>();
        List<Placed> placed = new ArrayList<>();
        Map<FunctionSpec, Integer> starts = new IdentityHashMap<>();
        int[] size = {0};
        append(program.function(), parts, placed, starts, size);
        long[] insns = new long[size[0]];
        int at = 0;
        for (long[] p : parts) {
            System.arraycopy(p, 0, insns, at, p.length);
            at += p.length;
        }
        List<Relocation> relocations = new ArrayList<>();
        List<BtfExt.FuncInfo> funcInfos = new ArrayList<>();
        List<BtfExt.LineInfo> lineInfos = new ArrayList<>();
        List<BtfExt.CoreRelocation> cores = new ArrayList<>();
        for (Placed p : placed) {
            FunctionSpec f = p.function();
            int base = p.start();
            for (Relocation r : f.relocations()) {
                int pos = base + r.insnIndex();
                if (r instanceof Relocation.SubprogramCall) {
                    Relocation.SubprogramCall c = (Relocation.SubprogramCall) r;
                    FunctionSpec target = target(program, f, c);
                    int distance = starts.get(target) - pos - 1;
                    long insn = insns[pos];
                    if (c.kind() == Relocation.CallKind.CALL) {
                        insns[pos] = Instructions.withImm(Instructions.withSrc(insn, Instructions.PSEUDO_CALL), distance);
                    } else {
                        checkLdImm64(program, insns, pos);
                        insns[pos] = Instructions.withImm(Instructions.withSrc(insn, Instructions.PSEUDO_FUNC), distance);
                        insns[pos + 1] = Instructions.withImm(insns[pos + 1], 0);
                    }
                } else {
                    relocations.add(r.withInsnIndex(pos));
                }
            }
            for (BtfExt.FuncInfo fi : f.funcInfos()) {
                funcInfos.add(fi.withInsnIndex(base + fi.insnIndex()));
            }
            for (BtfExt.LineInfo li : f.lineInfos()) {
                lineInfos.add(li.withInsnIndex(base + li.insnIndex()));
            }
            for (BtfExt.CoreRelocation cr : f.coreRelocations()) {
                cores.add(cr.withInsnIndex(base + cr.insnIndex()));
            }
        }
        return new LinkedProgram(program, insns, List.copyOf(placed), relocations, funcInfos, lineInfos, cores);
    }

    private void append(FunctionSpec f, List<long[]> parts, List<Placed> placed, Map<FunctionSpec, Integer> starts,
                        int[] size) {
        starts.put(f, size[0]);
        placed.add(new Placed(f, size[0]));
        parts.add(f.instructions().toLongArray());
        size[0] += f.size();
        for (Relocation r : f.relocations()) {
            if (r instanceof Relocation.SubprogramCall) {
                FunctionSpec target = target(null, f, (Relocation.SubprogramCall) r);
                if (!starts.containsKey(target)) {
                    append(target, parts, placed, starts, size);
                }
            }
        }
    }

    private FunctionSpec target(ProgramSpec program, FunctionSpec from, Relocation.SubprogramCall c) {
        return spec.function(c.targetSection(), c.targetInsnIndex()).orElseThrow(() -> new BpfObjectException(
                spec.name(), from.sectionName(), (long) (from.sectionIndex() + c.insnIndex()) * 8,
                "function '" + from.name() + "' calls instruction " + c.targetInsnIndex() + " of section "
                        + c.targetSection() + ", where no function starts"));
    }

    private void checkLdImm64(ProgramSpec program, long[] insns, int pos) {
        if (pos + 1 >= insns.length || Instructions.opcode(insns[pos]) != Instructions.OP_LD_IMM64) {
            throw new BpfObjectException(spec.name(), program.sectionName(), -1, "program '" + program.name()
                    + "': relocation at linked instruction " + pos + " expects a two-slot ld_imm64");
        }
    }
}
