package dev.bpflux.obj;

import dev.bpflux.BpfObjectException;
import dev.bpflux.obj.btf.Btf;
import dev.bpflux.obj.btf.BtfExt;
import dev.bpflux.obj.btf.BtfKind;
import dev.bpflux.obj.btf.BtfType;
import dev.bpflux.obj.elf.ElfFile;
import dev.bpflux.obj.elf.ElfRelocation;
import dev.bpflux.obj.elf.ElfSection;
import dev.bpflux.obj.elf.ElfSymbol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Turns an {@link ElfFile} into a {@link BpfObjectSpec}. One instance per parse. */
final class ObjectParser {
    static final String MAPS_SECTION = ".maps";
    static final String KCONFIG_SECTION = ".kconfig";
    static final String KSYMS_SECTION = ".ksyms";
    /** No kernel accepts a global data section this big as an array map value; bounds forged sizes. */
    static final long MAX_DATA_SECTION = 64L << 20;
    /** Bounds a forged {@code max_entries}-style value we would otherwise turn into a slot index. */
    private static final int MAX_INITIAL_SLOTS = 1 << 20;

    private final ElfFile elf;
    private final String file;
    private Btf btf;
    private BtfExt btfExt = BtfExt.empty();
    private List<ElfSymbol> symbols = List.of();
    private int kconfigSize;

    /** Functions of each code section ordered by start, for locating an instruction's function. */
    private final Map<Integer, List<FunctionBuilder>> functionsBySection = new LinkedHashMap<>();

    ObjectParser(ElfFile elf, String file) {
        this.elf = elf;
        this.file = file;
    }

    private static final class FunctionBuilder {
        final ElfSymbol symbol;
        final ElfSection section;
        final int start;
        final int size;
        final Instructions insns;
        final List<Relocation> relocations = new ArrayList<>();
        final Set<Integer> relocatedInsns = new HashSet<>();
        final List<BtfExt.FuncInfo> funcInfos = new ArrayList<>();
        final List<BtfExt.LineInfo> lineInfos = new ArrayList<>();
        final List<BtfExt.CoreRelocation> coreRelos = new ArrayList<>();
        ProgramSections.Match program;

        FunctionBuilder(ElfSymbol symbol, ElfSection section, int start, int size, Instructions insns) {
            this.symbol = symbol;
            this.section = section;
            this.start = start;
            this.size = size;
            this.insns = insns;
        }

        FunctionSpec build() {
            relocations.sort(Comparator.comparingInt(Relocation::insnIndex));
            return new FunctionSpec(symbol.name(), section.name(), start, symbol.binding() != ElfSymbol.STB_LOCAL,
                    insns, relocations, funcInfos, lineInfos, coreRelos);
        }
    }

    BpfObjectSpec parse() {
        try {
            return doParse();
        } catch (BpfObjectException e) {
            throw e;
        } catch (RuntimeException e) {
            // A gap in our own checks must still surface as a parse error about this file.
            throw new BpfObjectException(file, null, -1, "malformed object (" + e + ")", e);
        }
    }

    private BpfObjectSpec doParse() {
        if (elf.machine() != ElfFile.EM_BPF) {
            throw error(null, 18, "not a BPF object (e_machine " + elf.machine() + ", expected 247 EM_BPF); "
                    + "compile with clang -target bpf");
        }
        if (elf.type() != ElfFile.ET_REL) {
            throw error(null, 16, "not a relocatable object (e_type " + elf.type() + "); pass the .o clang "
                    + "produced with -c, not a linked file");
        }
        symbols = elf.symbols();
        for (ElfSection s : elf.sections()) {
            if (s.name().equals("maps") && s.type() == ElfSection.SHT_PROGBITS) {
                throw error("maps", -1, "legacy 'maps' section (struct bpf_map_def) is not supported; declare "
                        + "maps in SEC(\".maps\") with BTF (__uint/__type members) and compile with -g");
            }
        }
        ElfSection btfSec = elf.section(".BTF").orElse(null);
        if (btfSec != null) {
            btf = Btf.parse(btfSec.data(), file);
            ElfSection ext = elf.section(".BTF.ext").orElse(null);
            if (ext != null) {
                btfExt = BtfExt.parse(ext.data(), btf, file);
            }
        }
        String license = readLicense();
        Integer version = readVersion();

        collectFunctions();
        List<DataSectionSpec> dataSections = readDataSections();
        Set<String> dataNames = new HashSet<>();
        dataSections.forEach(d -> dataNames.add(d.name()));
        List<ExternSpec> externs = readExterns();
        Map<String, ExternSpec> externByName = new HashMap<>();
        externs.forEach(e -> externByName.put(e.name(), e));

        readCodeRelocations(dataNames, externByName);
        synthesizePcRelativeCalls();
        assignBtfExt();
        List<MapSpec> maps = readMaps();

        List<ProgramSpec> programs = new ArrayList<>();
        List<FunctionSpec> subprograms = new ArrayList<>();
        Set<String> programNames = new HashSet<>();
        for (List<FunctionBuilder> fs : functionsBySection.values()) {
            for (FunctionBuilder f : fs) {
                FunctionSpec spec = f.build();
                if (f.program != null) {
                    if (!programNames.add(spec.name())) {
                        throw error(f.section.name(), f.symbol.value(), "duplicate program name " + spec.name());
                    }
                    programs.add(new ProgramSpec(spec.name(), f.section.name(), f.program.definition(),
                            f.program.attachTarget(), spec));
                } else {
                    subprograms.add(spec);
                }
            }
        }
        return new BpfObjectSpec(file, programs, subprograms, maps, dataSections, externs, kconfigSize, license,
                version, btf, btfExt);
    }

    // ------------------------------------------------------------------ license, version

    private String readLicense() {
        ElfSection s = elf.section("license").orElse(null);
        if (s == null) {
            return "";
        }
        ByteBuffer d = s.data();
        int end = 0;
        while (end < d.limit() && d.get(end) != 0) {
            end++;
        }
        byte[] b = new byte[end];
        d.get(0, b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private Integer readVersion() {
        ElfSection s = elf.section("version").orElse(null);
        if (s == null) {
            return null;
        }
        if (s.data().remaining() != 4) {
            throw error("version", 0, "version section is " + s.data().remaining() + " bytes, expected 4");
        }
        return s.data().getInt(0);
    }

    // ------------------------------------------------------------------ functions

    private static boolean isCode(ElfSection s) {
        return s.type() == ElfSection.SHT_PROGBITS && s.isExecutable() && s.size() > 0;
    }

    private void collectFunctions() {
        for (ElfSection s : elf.sections()) {
            if (!isCode(s)) {
                continue;
            }
            ProgramSections.Match match = null;
            if (!s.name().equals(".text")) {
                // As libbpf: an unknown name makes programs of unknown type, refused only if loaded.
                match = ProgramSections.match(s.name()).orElseGet(() -> ProgramSections.unknown(s.name()));
            }
            if (s.size() % Instructions.INSN_SIZE != 0) {
                throw error(s.name(), -1, "code size " + s.size() + " is not a multiple of 8");
            }
            Instructions all = Instructions.decode(s.data());
            List<FunctionBuilder> fs = new ArrayList<>();
            for (ElfSymbol sym : symbols) {
                if (sym.sectionIndex() != s.index() || sym.type() != ElfSymbol.STT_FUNC) {
                    continue;
                }
                if (sym.value() % 8 != 0 || sym.size() % 8 != 0 || sym.value() < 0 || sym.size() <= 0
                        || sym.value() > s.size() || sym.size() > s.size() - sym.value()) {
                    throw error(s.name(), sym.value(), "function " + sym.name() + " [" + sym.value() + ", +"
                            + sym.size() + ") does not lie on instruction boundaries within the section");
                }
                int start = (int) (sym.value() / 8);
                int n = (int) (sym.size() / 8);
                FunctionBuilder f = new FunctionBuilder(sym, s, start, n, all.slice(start, start + n));
                if (match != null && sym.binding() != ElfSymbol.STB_LOCAL) {
                    f.program = match;
                }
                fs.add(f);
            }
            fs.sort(Comparator.comparingInt(f -> f.start));
            for (int i = 1; i < fs.size(); i++) {
                FunctionBuilder a = fs.get(i - 1);
                FunctionBuilder b = fs.get(i);
                if (a.start + a.size > b.start) {
                    throw error(s.name(), b.symbol.value(), "functions " + a.symbol.name() + " and "
                            + b.symbol.name() + " overlap");
                }
            }
            if (match != null && fs.stream().noneMatch(f -> f.program != null)) {
                throw error(s.name(), -1, "program section '" + s.name() + "' has no global function symbol");
            }
            functionsBySection.put(s.index(), fs);
        }
    }

    private FunctionBuilder functionAt(ElfSection s, int insn) {
        List<FunctionBuilder> fs = functionsBySection.get(s.index());
        if (fs != null) {
            int lo = 0;
            int hi = fs.size() - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                FunctionBuilder f = fs.get(mid);
                if (insn < f.start) {
                    hi = mid - 1;
                } else if (insn >= f.start + f.size) {
                    lo = mid + 1;
                } else {
                    return f;
                }
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ relocations

    private ElfSymbol symbol(ElfSection relSec, int index, long at) {
        if (index <= 0 || index >= symbols.size()) {
            throw error(relSec.name(), at, "relocation symbol index " + index + " out of range (" + symbols.size()
                    + " symbols)");
        }
        return symbols.get(index);
    }

    private String sectionNameOf(ElfSymbol sym) {
        if (sym.isUndefined()) {
            return "";
        }
        if (sym.sectionIndex() >= elf.sections().size()) {
            return "#" + sym.sectionIndex();
        }
        return elf.sections().get(sym.sectionIndex()).name();
    }

    private void readCodeRelocations(Set<String> dataNames, Map<String, ExternSpec> externs) {
        for (ElfSection rel : elf.sections()) {
            if (rel.type() != ElfSection.SHT_REL) {
                continue;
            }
            if (rel.info() <= 0 || rel.info() >= elf.sections().size()) {
                throw error(rel.name(), -1, "relocated section index " + rel.info() + " out of range");
            }
            ElfSection target = elf.sections().get(rel.info());
            if (!functionsBySection.containsKey(target.index())) {
                continue; // .rel.BTF, .rel.BTF.ext, debug info, .rel.maps (read with the maps)
            }
            if (rel.link() != symtabIndex()) {
                throw error(rel.name(), -1, "relocations refer to section " + rel.link() + ", not the symbol table");
            }
            for (ElfRelocation r : elf.relocations(rel)) {
                readCodeRelocation(rel, target, r, dataNames, externs);
            }
        }
    }

    private int symtabIndex() {
        for (ElfSection s : elf.sections()) {
            if (s.type() == ElfSection.SHT_SYMTAB) {
                return s.index();
            }
        }
        return -1;
    }

    private void readCodeRelocation(ElfSection rel, ElfSection target, ElfRelocation r, Set<String> dataNames,
                                    Map<String, ExternSpec> externs) {
        long off = r.offset();
        if (off < 0 || off % 8 != 0 || off >= target.size()) {
            throw error(rel.name(), off, "relocation offset " + off + " is not an instruction of " + target.name());
        }
        int insnIdx = (int) (off / 8);
        FunctionBuilder f = functionAt(target, insnIdx);
        if (f == null) {
            throw error(target.name(), off, "relocation at instruction " + insnIdx + " lies outside every function");
        }
        int local = insnIdx - f.start;
        long insn = f.insns.raw(local);
        int opcode = Instructions.opcode(insn);
        boolean ldImm64 = opcode == Instructions.OP_LD_IMM64;
        boolean call = opcode == Instructions.OP_CALL;
        if (ldImm64 && local + 1 >= f.size) {
            throw error(target.name(), off, "ld_imm64 at the end of function " + f.symbol.name());
        }
        ElfSymbol sym = symbol(rel, r.symbolIndex(), off);
        String symSection = sectionNameOf(sym);
        Relocation.Raw raw = new Relocation.Raw(off, sym.index(), sym.name(), symSection, sym.value(), r.type());
        Relocation result;
        if (sym.isUndefined()) {
            ExternSpec e = externs.get(sym.name());
            if (e == null) {
                throw error(target.name(), off, "reference to undefined symbol '" + sym.name() + "' that is not a "
                        + "__kconfig/__ksym extern described by BTF");
            }
            if (!call && !ldImm64) {
                throw error(target.name(), off, "extern '" + sym.name() + "' referenced by an instruction that is "
                        + "neither a call nor ld_imm64 (opcode 0x" + Integer.toHexString(opcode) + ")");
            }
            if (call && e.kind() != ExternSpec.Kind.KFUNC) {
                throw error(target.name(), off, "call to extern '" + sym.name() + "' which is not a kfunc");
            }
            result = new Relocation.ExternReference(local, sym.name(), call, raw);
        } else if (symSection.equals(MAPS_SECTION)) {
            requireLdImm64(ldImm64, target, off, "map '" + sym.name() + "'");
            if (sym.type() == ElfSymbol.STT_SECTION) {
                throw error(target.name(), off, "map reference through the section symbol; maps must be named "
                        + "globals in SEC(\".maps\")");
            }
            result = new Relocation.MapReference(local, sym.name(), raw);
        } else if (dataNames.contains(symSection)) {
            requireLdImm64(ldImm64, target, off, "variable in " + symSection);
            long offset = sym.value() + Instructions.imm(insn);
            String varName = sym.type() == ElfSymbol.STT_SECTION ? "" : sym.name();
            result = new Relocation.DataReference(local, symSection, offset, varName, raw);
        } else if (sym.sectionIndex() < elf.sections().size() && isCode(elf.sections().get(sym.sectionIndex()))) {
            ElfSection callee = elf.sections().get(sym.sectionIndex());
            long targetInsn;
            Relocation.CallKind kind;
            if (call) {
                if (Instructions.src(insn) != Instructions.PSEUDO_CALL) {
                    throw error(target.name(), off, "call relocated to function " + sym.name()
                            + " but src_reg is not BPF_PSEUDO_CALL");
                }
                // R_BPF_64_32 on a call: imm holds the pc-relative addend in instructions, minus one.
                targetInsn = sym.value() / 8 + Instructions.imm(insn) + 1;
                kind = Relocation.CallKind.CALL;
            } else if (ldImm64) {
                // R_BPF_64_64 on ld_imm64: imm holds a byte addend.
                long bytes = sym.value() + Instructions.imm(insn);
                if (bytes % 8 != 0) {
                    throw error(target.name(), off, "function pointer to " + sym.name() + " not instruction aligned");
                }
                targetInsn = bytes / 8;
                kind = Relocation.CallKind.FUNCTION_POINTER;
            } else {
                throw error(target.name(), off, "reference to code symbol " + sym.name() + " from opcode 0x"
                        + Integer.toHexString(opcode));
            }
            if (targetInsn < 0 || targetInsn >= callee.size() / 8 || functionStartingAt(callee, (int) targetInsn) == null) {
                throw error(target.name(), off, "call target " + callee.name() + "+" + targetInsn
                        + " is not the start of a function");
            }
            result = new Relocation.SubprogramCall(local, callee.name(), (int) targetInsn, kind, raw);
        } else {
            throw error(target.name(), off, "relocation against symbol '" + sym.name() + "' in section '"
                    + symSection + "' which is neither a map, global data, code nor an extern");
        }
        f.relocations.add(result);
        f.relocatedInsns.add(local);
    }

    private FunctionBuilder functionStartingAt(ElfSection s, int insn) {
        FunctionBuilder f = functionAt(s, insn);
        return f != null && f.start == insn ? f : null;
    }

    private void requireLdImm64(boolean ldImm64, ElfSection target, long off, String what) {
        if (!ldImm64) {
            throw error(target.name(), off, what + " referenced by an instruction other than ld_imm64");
        }
    }

    /** Calls within one section that clang resolved itself (no relocation) still need linking. */
    private void synthesizePcRelativeCalls() {
        for (List<FunctionBuilder> fs : functionsBySection.values()) {
            for (FunctionBuilder f : fs) {
                for (int i = 0; i < f.size; i++) {
                    long insn = f.insns.raw(i);
                    int op = Instructions.opcode(insn);
                    if (op == Instructions.OP_LD_IMM64) {
                        i++;
                        continue;
                    }
                    if (op != Instructions.OP_CALL || Instructions.src(insn) != Instructions.PSEUDO_CALL
                            || f.relocatedInsns.contains(i)) {
                        continue;
                    }
                    long targetInsn = (long) f.start + i + Instructions.imm(insn) + 1;
                    if (targetInsn < 0 || targetInsn > Integer.MAX_VALUE
                            || functionStartingAt(f.section, (int) targetInsn) == null) {
                        throw error(f.section.name(), (long) (f.start + i) * 8, "BPF-to-BPF call to instruction "
                                + targetInsn + ", which does not start a function");
                    }
                    f.relocations.add(new Relocation.SubprogramCall(i, f.section.name(), (int) targetInsn,
                            Relocation.CallKind.CALL, null));
                }
            }
        }
    }

    // ------------------------------------------------------------------ BTF.ext

    private void assignBtfExt() {
        Map<String, ElfSection> byName = new HashMap<>();
        for (ElfSection s : elf.sections()) {
            if (functionsBySection.containsKey(s.index())) {
                byName.putIfAbsent(s.name(), s);
            }
        }
        btfExt.funcInfos().forEach((sec, list) -> {
            ElfSection s = extSection(byName, sec, "func_info");
            for (BtfExt.FuncInfo fi : list) {
                FunctionBuilder f = extFunction(s, fi.insnIndex(), "func_info");
                f.funcInfos.add(fi.withInsnIndex(fi.insnIndex() - f.start));
            }
        });
        btfExt.lineInfos().forEach((sec, list) -> {
            ElfSection s = extSection(byName, sec, "line_info");
            for (BtfExt.LineInfo li : list) {
                FunctionBuilder f = extFunction(s, li.insnIndex(), "line_info");
                f.lineInfos.add(li.withInsnIndex(li.insnIndex() - f.start));
            }
        });
        btfExt.coreRelocations().forEach((sec, list) -> {
            ElfSection s = extSection(byName, sec, "CO-RE relocation");
            for (BtfExt.CoreRelocation cr : list) {
                FunctionBuilder f = extFunction(s, cr.insnIndex(), "CO-RE relocation");
                if (btf == null || !btf.hasType(cr.typeId())) {
                    throw error(".BTF.ext", -1, "CO-RE relocation in " + sec + " refers to type id " + cr.typeId()
                            + " not in .BTF");
                }
                f.coreRelos.add(cr.withInsnIndex(cr.insnIndex() - f.start));
            }
        });
    }

    private ElfSection extSection(Map<String, ElfSection> byName, String sec, String what) {
        ElfSection s = byName.get(sec);
        if (s == null) {
            throw error(".BTF.ext", -1, what + " records for section '" + sec + "' which holds no functions");
        }
        return s;
    }

    private FunctionBuilder extFunction(ElfSection s, int insn, String what) {
        FunctionBuilder f = functionAt(s, insn);
        if (f == null) {
            throw error(".BTF.ext", -1, what + " at " + s.name() + " instruction " + insn
                    + " lies outside every function");
        }
        return f;
    }

    // ------------------------------------------------------------------ data sections

    static boolean isDataSectionName(String n) {
        return n.equals(".data") || n.startsWith(".data.") || n.equals(".rodata") || n.startsWith(".rodata.")
                || n.equals(".bss") || n.startsWith(".bss.");
    }

    private BtfType.Datasec datasec(String name) {
        if (btf == null) {
            return null;
        }
        int[] ids = btf.findByName(name, BtfKind.DATASEC);
        return ids.length == 0 ? null : btf.type(ids[0], BtfType.Datasec.class);
    }

    private List<DataSectionSpec> readDataSections() {
        List<DataSectionSpec> out = new ArrayList<>();
        long total = 0;
        for (ElfSection s : elf.sections()) {
            if (!isDataSectionName(s.name()) || !s.isAlloc()
                    || (s.type() != ElfSection.SHT_PROGBITS && s.type() != ElfSection.SHT_NOBITS)) {
                continue;
            }
            if (s.size() > MAX_DATA_SECTION) {
                throw error(s.name(), -1, "data section of " + s.size() + " bytes exceeds the " + MAX_DATA_SECTION
                        + "-byte limit (no kernel accepts array map values this large)");
            }
            // A .bss costs no file bytes, so without a total a small file could ask for gigabytes.
            total += s.size();
            if (total > MAX_DATA_SECTION) {
                throw error(s.name(), -1, "data sections take " + total + " bytes together, over the "
                        + MAX_DATA_SECTION + "-byte limit for one object (no kernel accepts array map values this "
                        + "large)");
            }
            int size = (int) s.size();
            byte[] bytes = s.type() == ElfSection.SHT_NOBITS ? new byte[size] : s.bytes();
            BtfType.Datasec ds = datasec(s.name());
            List<VariableSpec> vars = new ArrayList<>();
            if (ds != null) {
                for (BtfType.VarSecInfo vi : ds.vars()) {
                    BtfType t = btf.type(vi.type());
                    if (!(t instanceof BtfType.Var)) {
                        throw error(".BTF", -1, "DATASEC " + s.name() + " lists " + t.kind() + " #" + vi.type()
                                + ", expected a VAR");
                    }
                    BtfType.Var v = (BtfType.Var) t;
                    ElfSymbol sym = objectSymbol(s, v.name());
                    long offset = sym != null ? sym.value() : Integer.toUnsignedLong(vi.offset());
                    long vsize = Integer.toUnsignedLong(vi.size()) != 0 ? Integer.toUnsignedLong(vi.size())
                            : sym != null ? sym.size() : btf.sizeOf(v.type());
                    checkVar(s, v.name(), offset, vsize);
                    vars.add(new VariableSpec(v.name(), (int) offset, (int) vsize, v.type(), v.linkage()));
                }
            } else {
                for (ElfSymbol sym : symbols) {
                    if (sym.sectionIndex() == s.index() && sym.type() == ElfSymbol.STT_OBJECT) {
                        checkVar(s, sym.name(), sym.value(), sym.size());
                        vars.add(new VariableSpec(sym.name(), (int) sym.value(), (int) sym.size(), 0,
                                sym.binding() == ElfSymbol.STB_LOCAL ? BtfType.VarLinkage.STATIC
                                        : BtfType.VarLinkage.GLOBAL_ALLOCATED));
                    }
                }
            }
            vars.sort(Comparator.comparingInt(VariableSpec::offset));
            out.add(new DataSectionSpec(s.name(), size, s.name().startsWith(".rodata"), ds == null ? 0 : ds.id(),
                    vars, bytes));
        }
        return out;
    }

    private void checkVar(ElfSection s, String name, long offset, long size) {
        if (offset < 0 || size < 0 || offset > s.size() || size > s.size() - offset) {
            throw error(s.name(), offset, "variable " + name + " [" + offset + ", +" + size
                    + ") lies outside the " + s.size() + "-byte section");
        }
    }

    private ElfSymbol objectSymbol(ElfSection s, String name) {
        for (ElfSymbol sym : symbols) {
            if (sym.sectionIndex() == s.index() && sym.name().equals(name) && sym.type() != ElfSymbol.STT_SECTION) {
                return sym;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ externs

    private List<ExternSpec> readExterns() {
        List<ExternSpec> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        BtfType.Datasec kconfig = datasec(KCONFIG_SECTION);
        BtfType.Datasec ksyms = datasec(KSYMS_SECTION);
        for (ElfSymbol sym : symbols) {
            if (!sym.isUndefined() || sym.name().isEmpty() || sym.index() == 0) {
                continue;
            }
            if (!seen.add(sym.name())) {
                throw error(null, -1, "extern '" + sym.name() + "' declared twice in the symbol table");
            }
            if (btf == null) {
                throw error(".symtab", -1, "extern '" + sym.name() + "' needs BTF to be resolved; compile with -g");
            }
            boolean weak = sym.binding() == ElfSymbol.STB_WEAK;
            ExternSpec e = externIn(kconfig, KCONFIG_SECTION, sym.name(), weak);
            if (e == null) {
                e = externIn(ksyms, KSYMS_SECTION, sym.name(), weak);
            }
            if (e == null) {
                for (int id : btf.findByName(sym.name(), BtfKind.FUNC)) {
                    BtfType.Func fn = btf.type(id, BtfType.Func.class);
                    if (fn.linkage() == BtfType.FuncLinkage.EXTERN) {
                        e = new ExternSpec(sym.name(), ExternSpec.Kind.KFUNC, weak, id, fn.type(), KSYMS_SECTION, -1, 0);
                        break;
                    }
                }
            }
            if (e == null) {
                throw error(".BTF", -1, "extern '" + sym.name() + "' has no BTF description: declare it with "
                        + "__kconfig or __ksym (from bpf_helpers.h)");
            }
            out.add(e);
        }
        return layOutKconfig(out);
    }

    /**
     * clang leaves every .kconfig VAR at offset 0; like libbpf, place them by descending alignment,
     * then ascending size, then name, each at its natural alignment, so the loader's .kconfig map and
     * the fixed-up DATASEC agree with what libbpf would produce.
     */
    private List<ExternSpec> layOutKconfig(List<ExternSpec> externs) {
        List<ExternSpec> kcfg = new ArrayList<>();
        for (ExternSpec e : externs) {
            if (e.kind() == ExternSpec.Kind.KCONFIG) {
                kcfg.add(e);
            }
        }
        Map<String, int[]> alignSize = new HashMap<>();
        for (ExternSpec e : kcfg) {
            long size = btf.sizeOf(e.typeId());
            if (size <= 0 || size > 1 << 16) {
                throw error(".BTF", -1, "__kconfig extern '" + e.name() + "' has unsupported size " + size);
            }
            alignSize.put(e.name(), new int[] {btf.alignOf(e.typeId()), (int) size});
        }
        kcfg.sort((a, b) -> {
            int[] x = alignSize.get(a.name());
            int[] y = alignSize.get(b.name());
            if (x[0] != y[0]) {
                return Integer.compare(y[0], x[0]);
            }
            if (x[1] != y[1]) {
                return Integer.compare(x[1], y[1]);
            }
            return a.name().compareTo(b.name());
        });
        Map<String, ExternSpec> placed = new HashMap<>();
        int off = 0;
        for (ExternSpec e : kcfg) {
            int[] as = alignSize.get(e.name());
            off = (off + as[0] - 1) / as[0] * as[0];
            placed.put(e.name(), new ExternSpec(e.name(), e.kind(), e.weak(), e.btfId(), e.typeId(), e.section(), off,
                    as[1]));
            off += as[1];
        }
        kconfigSize = off;
        List<ExternSpec> result = new ArrayList<>(externs.size());
        for (ExternSpec e : externs) {
            result.add(placed.getOrDefault(e.name(), e));
        }
        return result;
    }

    private ExternSpec externIn(BtfType.Datasec ds, String section, String name, boolean weak) {
        if (ds == null) {
            return null;
        }
        for (BtfType.VarSecInfo vi : ds.vars()) {
            BtfType t = btf.type(vi.type());
            if (!t.name().equals(name)) {
                continue;
            }
            if (t instanceof BtfType.Var) {
                BtfType.Var v = (BtfType.Var) t;
                ExternSpec.Kind kind;
                if (section.equals(KCONFIG_SECTION)) {
                    kind = ExternSpec.Kind.KCONFIG;
                } else {
                    kind = btf.skipModifiers(v.type()) == 0 ? ExternSpec.Kind.KSYM_UNTYPED
                            : ExternSpec.Kind.KSYM_VARIABLE;
                }
                return new ExternSpec(name, kind, weak, v.id(), v.type(), section, vi.offset(), vi.size());
            }
            if (t instanceof BtfType.Func) {
                BtfType.Func fn = (BtfType.Func) t;
                if (section.equals(KCONFIG_SECTION)) {
                    throw error(".BTF", -1, "function '" + name + "' in .kconfig; only variables can be __kconfig");
                }
                return new ExternSpec(name, ExternSpec.Kind.KFUNC, weak, fn.id(), fn.type(), section, vi.offset(),
                        vi.size());
            }
            throw error(".BTF", -1, section + " lists " + t.kind() + " '" + name + "', expected VAR or FUNC");
        }
        return null;
    }

    // ------------------------------------------------------------------ maps

    private List<MapSpec> readMaps() {
        ElfSection s = elf.section(MAPS_SECTION).orElse(null);
        if (s == null) {
            return List.of();
        }
        BtfType.Datasec ds = datasec(MAPS_SECTION);
        if (ds == null) {
            throw error(MAPS_SECTION, -1, "SEC(\".maps\") needs BTF to describe the maps; compile with -g");
        }
        // Relocations of .maps: .values initializers of prog arrays and map-in-map.
        List<ElfRelocation> relocs = new ArrayList<>();
        for (ElfSection rel : elf.sections()) {
            if (rel.type() == ElfSection.SHT_REL && rel.info() == s.index()) {
                relocs.addAll(elf.relocations(rel));
            }
        }
        List<MapSpec> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (BtfType.VarSecInfo vi : ds.vars()) {
            BtfType t = btf.type(vi.type());
            if (!(t instanceof BtfType.Var)) {
                throw error(".BTF", -1, ".maps DATASEC lists " + t.kind() + " #" + vi.type() + ", expected a VAR");
            }
            BtfType.Var v = (BtfType.Var) t;
            ElfSymbol sym = objectSymbol(s, v.name());
            long varOff = sym != null ? sym.value() : Integer.toUnsignedLong(vi.offset());
            long varSize = sym != null ? sym.size() : Integer.toUnsignedLong(vi.size());
            if (!names.add(v.name())) {
                throw error(MAPS_SECTION, varOff, "duplicate map name " + v.name());
            }
            MapDef def = mapDef(v.name(), v.type(), 0);
            Map<Integer, String> initial = new TreeMap<>();
            for (ElfRelocation r : relocs) {
                if (r.offset() < varOff || r.offset() >= varOff + varSize) {
                    continue;
                }
                if (def.valuesBitOffset < 0) {
                    throw error(MAPS_SECTION, r.offset(), "map " + v.name() + " has a relocation but no 'values' member");
                }
                long rel = r.offset() - varOff - def.valuesBitOffset / 8;
                if (rel < 0 || rel % 8 != 0 || rel / 8 >= MAX_INITIAL_SLOTS) {
                    throw error(MAPS_SECTION, r.offset(), "map " + v.name() + ": relocation outside its 'values' array");
                }
                int slot = (int) (rel / 8);
                ElfSymbol target = symbol(s, r.symbolIndex(), r.offset());
                if (def.maxEntries != 0 && Integer.toUnsignedLong(slot) >= Integer.toUnsignedLong(def.maxEntries)) {
                    throw error(MAPS_SECTION, r.offset(), "map " + v.name() + ": initial value at slot " + slot
                            + " beyond max_entries " + def.maxEntries);
                }
                initial.put(slot, target.name());
            }
            out.add(def.toSpec(v.name(), v.id(), initial));
        }
        return out;
    }

    /** The attributes of one map definition struct. */
    private final class MapDef {
        MapType type;
        Integer keySize;
        Integer valueSize;
        int maxEntries;
        int flags;
        PinType pinning = PinType.NONE;
        int numaNode;
        long mapExtra;
        int keyType;
        int valueType;
        MapDef inner;
        long valuesBitOffset = -1;

        MapSpec toSpec(String name, int varId, Map<Integer, String> initial) {
            if (type == null) {
                throw error(MAPS_SECTION, -1, "map " + name + " has no 'type' (use __uint(type, BPF_MAP_TYPE_...))");
            }
            MapSpec innerSpec = inner == null ? null : inner.toSpec(name + ".inner", 0, Map.of());
            return new MapSpec(name, type, keySize == null ? 0 : keySize, valueSize == null ? 0 : valueSize,
                    maxEntries, flags, pinning, numaNode, mapExtra, keyType, valueType, varId, innerSpec, initial);
        }
    }

    private MapDef mapDef(String mapName, int typeId, int depth) {
        int structId = btf.skipModifiers(typeId);
        BtfType t = btf.type(structId);
        if (!(t instanceof BtfType.Struct)) {
            throw error(".BTF", -1, "map " + mapName + " is a " + t.kind() + ", expected an anonymous struct with "
                    + "__uint/__type members");
        }
        MapDef d = new MapDef();
        for (BtfType.Member m : ((BtfType.Struct) t).members()) {
            String member = m.name();
            switch (member) {
                case "type": {
                    int v = uintMember(mapName, m);
                    d.type = MapType.of(v);
                    if (d.type == null) {
                        throw error(".BTF", -1, "map " + mapName + " has unknown map type " + v);
                    }
                    break;
                }
                case "max_entries":
                    d.maxEntries = uintMember(mapName, m);
                    break;
                case "map_flags":
                    d.flags = uintMember(mapName, m);
                    break;
                case "numa_node":
                    d.numaNode = uintMember(mapName, m);
                    break;
                case "map_extra":
                    d.mapExtra = Integer.toUnsignedLong(uintMember(mapName, m));
                    break;
                case "key_size":
                    setSize(mapName, d, true, uintMember(mapName, m));
                    break;
                case "value_size":
                    setSize(mapName, d, false, uintMember(mapName, m));
                    break;
                case "pinning": {
                    int v = uintMember(mapName, m);
                    if (v == 0) {
                        d.pinning = PinType.NONE;
                    } else if (v == 1) {
                        d.pinning = PinType.BY_NAME;
                    } else {
                        throw error(".BTF", -1, "map " + mapName + " has unsupported pinning " + v
                                + " (LIBBPF_PIN_NONE=0, LIBBPF_PIN_BY_NAME=1)");
                    }
                    break;
                }
                case "key": {
                    d.keyType = pointee(mapName, m);
                    setSize(mapName, d, true, typeSize(mapName, d.keyType));
                    break;
                }
                case "value": {
                    d.valueType = pointee(mapName, m);
                    setSize(mapName, d, false, typeSize(mapName, d.valueType));
                    break;
                }
                case "values": {
                    d.valuesBitOffset = m.bitOffset();
                    int arr = btf.skipModifiers(m.type());
                    BtfType at = btf.type(arr);
                    if (!(at instanceof BtfType.Array)) {
                        throw error(".BTF", -1, "map " + mapName + ": 'values' must be __array(values, ...)");
                    }
                    int elem = btf.skipModifiers(((BtfType.Array) at).elemType());
                    BtfType et = btf.type(elem);
                    if (!(et instanceof BtfType.Ptr)) {
                        throw error(".BTF", -1, "map " + mapName + ": 'values' elements must be pointers");
                    }
                    int target = btf.skipModifiers(((BtfType.Ptr) et).type());
                    BtfKind k = btf.kind(target);
                    if (k == BtfKind.STRUCT) {
                        if (depth > 0) {
                            throw error(".BTF", -1, "map " + mapName + ": maps nested more than one level deep");
                        }
                        d.inner = mapDef(mapName + ".inner", target, depth + 1);
                    } else if (k != BtfKind.FUNC_PROTO) {
                        throw error(".BTF", -1, "map " + mapName + ": 'values' must point to a map definition "
                                + "struct or a program prototype, not " + k);
                    }
                    // Map-in-map and prog arrays hold 4-byte fds.
                    setSize(mapName, d, false, 4);
                    break;
                }
                default:
                    throw error(".BTF", -1, "map " + mapName + " has unknown attribute '" + member + "'");
            }
        }
        return d;
    }

    private int typeSize(String mapName, int typeId) {
        long size = btf.sizeOf(typeId);
        if (size > Integer.MAX_VALUE) {
            throw error(".BTF", -1, "map " + mapName + ": key or value type of " + size + " bytes is too large");
        }
        return (int) size;
    }

    private void setSize(String mapName, MapDef d, boolean key, int size) {
        Integer prev = key ? d.keySize : d.valueSize;
        if (prev != null && prev != size) {
            throw error(".BTF", -1, "map " + mapName + ": conflicting " + (key ? "key" : "value") + " sizes " + prev
                    + " and " + size);
        }
        if (key) {
            d.keySize = size;
        } else {
            d.valueSize = size;
        }
    }

    /** {@code __uint(name, val)} is {@code int (*name)[val]}: a pointer to an array of val elements. */
    private int uintMember(String mapName, BtfType.Member m) {
        BtfType p = btf.type(btf.skipModifiers(m.type()));
        if (p instanceof BtfType.Ptr) {
            BtfType a = btf.type(btf.skipModifiers(((BtfType.Ptr) p).type()));
            if (a instanceof BtfType.Array) {
                return ((BtfType.Array) a).nelems();
            }
        }
        throw error(".BTF", -1, "map " + mapName + ": attribute '" + m.name() + "' must be declared with __uint()");
    }

    /** {@code __type(name, T)} is {@code T *name}. */
    private int pointee(String mapName, BtfType.Member m) {
        BtfType p = btf.type(btf.skipModifiers(m.type()));
        if (p instanceof BtfType.Ptr) {
            return ((BtfType.Ptr) p).type();
        }
        throw error(".BTF", -1, "map " + mapName + ": attribute '" + m.name() + "' must be declared with __type()");
    }

    private BpfObjectException error(String section, long offset, String problem) {
        return new BpfObjectException(file, section, offset, problem);
    }
}
