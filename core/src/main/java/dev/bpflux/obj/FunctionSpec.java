package dev.bpflux.obj;

import dev.bpflux.obj.btf.BtfExt;

import java.util.List;

/**
 * One BPF function of an object: a program's entry function or a subprogram (a function in
 * {@code .text}, or a static function in a program section) that programs call.
 *
 * <p>Instruction indexes in {@link #relocations()}, {@link #funcInfos()}, {@link #lineInfos()} and
 * {@link #coreRelocations()} are relative to this function's first instruction. To link a program, the
 * loader appends the functions its {@link Relocation.SubprogramCall}s name (transitively), shifting their
 * records by the position where each lands.
 *
 * @param name         the function's symbol name
 * @param sectionName  the ELF section holding it
 * @param sectionIndex index of its first instruction within the section ({@code st_value / 8})
 * @param global       whether its symbol binding is GLOBAL (or WEAK) rather than LOCAL
 * @param instructions its instructions ({@code st_size / 8} slots)
 * @param relocations  its relocations, ordered by instruction index
 * @param funcInfos    BTF.ext func_info records within it (the first at index 0 names its BTF FUNC)
 * @param lineInfos    BTF.ext line_info records within it
 * @param coreRelocations BTF.ext CO-RE relocations within it
 */
public record FunctionSpec(String name, String sectionName, int sectionIndex, boolean global,
                           Instructions instructions, List<Relocation> relocations,
                           List<BtfExt.FuncInfo> funcInfos, List<BtfExt.LineInfo> lineInfos,
                           List<BtfExt.CoreRelocation> coreRelocations) {
    public FunctionSpec {
        relocations = List.copyOf(relocations);
        funcInfos = List.copyOf(funcInfos);
        lineInfos = List.copyOf(lineInfos);
        coreRelocations = List.copyOf(coreRelocations);
    }

    /** Number of instruction slots. */
    public int size() {
        return instructions.size();
    }

    /** The BTF FUNC type id of this function from func_info, or 0 when the object has no BTF.ext. */
    public int btfFuncId() {
        for (BtfExt.FuncInfo f : funcInfos) {
            if (f.insnIndex() == 0) {
                return f.typeId();
            }
        }
        return 0;
    }
}
