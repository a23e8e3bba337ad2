package dev.bpflux.obj;

/**
 * Something at instruction {@code insnIndex} of a function that the loader must fix up, classified
 * from the ELF relocation (or, for a call within the same section without one, from the instruction).
 *
 * <p>{@code insnIndex} is relative to the start of the {@link FunctionSpec} that holds the relocation.
 * {@link #raw()} keeps the ELF facts; it is {@code null} for the synthesized {@link SubprogramCall}s
 * of pc-relative calls clang left unrelocated.
 */
public sealed interface Relocation {
    /** Index of the (first slot of the) instruction to fix, relative to its function. */
    int insnIndex();

    /** The ELF relocation this came from, or {@code null}. */
    Raw raw();

    /** The same relocation moved to another instruction index (when functions are appended). */
    Relocation withInsnIndex(int index);

    /**
     * ELF facts: byte offset within the section, symbol index and name, symbol section ("" when
     * undefined) and value, relocation type ({@code R_BPF_64_64} = 1 for ld_imm64,
     * {@code R_BPF_64_32} = 10 for calls).
     */
    record Raw(long sectionOffset, int symbolIndex, String symbolName, String symbolSection, long symbolValue,
               int type) {
    }

    /**
     * {@code ld_imm64} of a BTF-defined map from {@code .maps}: set src_reg = BPF_PSEUDO_MAP_FD and imm =
     * the map's fd.
     */
    record MapReference(int insnIndex, String mapName, Raw raw) implements Relocation {
        public MapReference withInsnIndex(int index) {
            return new MapReference(index, mapName, raw);
        }
    }

    /**
     * {@code ld_imm64} of a global variable in a data section ({@code .data}, {@code .rodata},
     * {@code .bss}, {@code .data.*}, {@code .rodata.*}): set src_reg = BPF_PSEUDO_MAP_VALUE, imm = the
     * section map's fd and the second slot's imm = {@code offset}. {@code offset} already includes the
     * symbol's value and the addend clang left in the instruction's imm. {@code variableName} is the
     * symbol's name for named globals, "" for section-relative (static) references.
     */
    record DataReference(int insnIndex, String sectionName, long offset, String variableName, Raw raw)
            implements Relocation {
        public DataReference withInsnIndex(int index) {
            return new DataReference(index, sectionName, offset, variableName, raw);
        }
    }

    /** How a {@link SubprogramCall} refers to its target. */
    enum CallKind {
        /** {@code call} with src_reg BPF_PSEUDO_CALL: imm becomes the pc-relative distance. */
        CALL,
        /**
         * {@code ld_imm64} of a function's address (callbacks of bpf_loop, bpf_for_each_map_elem, timers):
         * src_reg becomes BPF_PSEUDO_FUNC (Linux 5.13) and imm the pc-relative distance.
         */
        FUNCTION_POINTER
    }

    /**
     * A call to, or the address of, the function starting at instruction {@code targetInsnIndex} of ELF
     * section {@code targetSection}. Find it with {@link BpfObjectSpec#function(String, int)}, append it
     * (and what it calls) after the program and patch imm to the distance.
     */
    record SubprogramCall(int insnIndex, String targetSection, int targetInsnIndex, CallKind kind, Raw raw)
            implements Relocation {
        public SubprogramCall withInsnIndex(int index) {
            return new SubprogramCall(index, targetSection, targetInsnIndex, kind, raw);
        }
    }

    /**
     * A reference to extern {@code externName} (see {@link BpfObjectSpec#extern(String)}): a kfunc
     * {@code call} (src_reg 0 in the object; the loader sets BPF_PSEUDO_KFUNC_CALL and the BTF id), or an
     * {@code ld_imm64} of a {@code .kconfig} value or a {@code .ksyms} variable.
     */
    record ExternReference(int insnIndex, String externName, boolean call, Raw raw) implements Relocation {
        public ExternReference withInsnIndex(int index) {
            return new ExternReference(index, externName, call, raw);
        }
    }
}
