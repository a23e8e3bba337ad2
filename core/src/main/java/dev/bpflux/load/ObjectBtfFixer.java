package dev.bpflux.load;

import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.obj.DataSectionSpec;
import dev.bpflux.obj.ExternSpec;
import dev.bpflux.obj.VariableSpec;
import dev.bpflux.obj.btf.Btf;
import dev.bpflux.obj.btf.BtfKind;
import dev.bpflux.obj.btf.BtfType;
import dev.bpflux.obj.btf.BtfWriter;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Prepares an object's {@code .BTF} for {@code BPF_BTF_LOAD}. Pure: the kernel's abilities come in as
 * {@link BtfFeatures}.
 *
 * <p>Fix-ups every kernel needs, because clang emits what the kernel's BTF checker rejects:
 * <ul>
 *   <li>DATASEC sizes and variable offsets: clang leaves them 0; they come from the ELF sections and
 *       symbols (via the object spec), variables sorted by offset.</li>
 *   <li>{@code .kconfig}/{@code .ksyms} externs: VAR linkage {@code extern} becomes
 *       {@code global allocated}; {@code .ksyms} variables become 4-byte ints and kfunc entries point to
 *       one dummy VAR (the kernel allows only VARs in a DATASEC); extern FUNC linkage becomes global.</li>
 * </ul>
 * Sanitizing for older kernels (ids never change, a replacement takes the replaced type's id):
 * FUNC global linkage before 5.6 becomes static; no FUNC/FUNC_PROTO (before 4.20) become TYPEDEF and
 * an empty ENUM; no VAR/DATASEC (before 5.2) become INT and STRUCT; FLOAT (5.13) an empty STRUCT of
 * its size; DECL_TAG (5.16) an INT; TYPE_TAG (5.17) a CONST; ENUM64 (6.0) an empty UNION. TYPE_TAGs are
 * kept where supported, so {@code __kptr} fields in map values work.
 */
final class ObjectBtfFixer {
    private ObjectBtfFixer() {
    }

    /** What the kernel's BTF checker accepts. */
    /** libbpf's name for the VAR standing in for kfuncs in .ksyms, also used for unnamed kfunc parameters. */
    static final String DUMMY_KSYM = "dummy_ksym";

    record BtfFeatures(boolean func, boolean funcGlobal, boolean datasec, boolean floatKind, boolean declTag,
                       boolean typeTag, boolean enum64) {
        static final BtfFeatures ALL = new BtfFeatures(true, true, true, true, true, true, true);
    }

    static byte[] fix(BpfObjectSpec spec, Btf btf, BtfFeatures features) {
        BtfWriter w = BtfWriter.of(btf);
        Map<Integer, DataSectionSpec> sectionsById = new HashMap<>();
        for (DataSectionSpec d : spec.dataSections()) {
            if (d.btfTypeId() != 0) {
                sectionsById.put(d.btfTypeId(), d);
            }
        }
        Map<Integer, ExternSpec> externsByBtfId = new HashMap<>();
        for (ExternSpec e : spec.externs()) {
            externsByBtfId.put(e.btfId(), e);
        }
        int intId = -1;
        int dummyVar = -1;
        for (int id = btf.firstTypeId(); id < btf.nextTypeId(); id++) {
            BtfKind kind = btf.kind(id);
            if (kind == BtfKind.VAR) {
                BtfType.Var v = btf.type(id, BtfType.Var.class);
                if (v.linkage() == BtfType.VarLinkage.GLOBAL_EXTERN) {
                    w.replace(id, new BtfType.Var(id, v.name(), v.type(), BtfType.VarLinkage.GLOBAL_ALLOCATED));
                }
            } else if (kind == BtfKind.FUNC) {
                BtfType.Func f = btf.type(id, BtfType.Func.class);
                if (f.linkage() == BtfType.FuncLinkage.EXTERN) {
                    w.replace(id, new BtfType.Func(id, f.name(), f.type(), BtfType.FuncLinkage.GLOBAL));
                    // A global FUNC's parameters must be named; clang leaves extern declarations' unnamed.
                    BtfType.FuncProto proto = btf.type(f.type(), BtfType.FuncProto.class);
                    List<BtfType.Param> params = new ArrayList<>();
                    boolean renamed = false;
                    for (BtfType.Param prm : proto.params()) {
                        boolean unnamed = prm.name().isEmpty() && prm.type() != 0;
                        params.add(unnamed ? new BtfType.Param(DUMMY_KSYM, prm.type()) : prm);
                        renamed |= unnamed;
                    }
                    if (renamed) {
                        w.replace(f.type(), new BtfType.FuncProto(f.type(), proto.name(), proto.returnType(), params));
                    }
                }
            }
        }
        for (int id = btf.firstTypeId(); id < btf.nextTypeId(); id++) {
            if (btf.kind(id) != BtfKind.DATASEC) {
                continue;
            }
            BtfType.Datasec ds = btf.type(id, BtfType.Datasec.class);
            List<BtfType.VarSecInfo> vars = new ArrayList<>();
            int size;
            DataSectionSpec d = sectionsById.get(id);
            if (d != null) {
                for (BtfType.VarSecInfo vsi : ds.vars()) {
                    String name = btf.typeName(vsi.type());
                    int off = d.variable(name).map(VariableSpec::offset).orElse(vsi.offset());
                    vars.add(new BtfType.VarSecInfo(vsi.type(), off, vsi.size()));
                }
                size = d.size();
            } else if (ds.name().equals(".ksyms")) {
                if (intId < 0) {
                    intId = findInt(btf, w);
                }
                int off = 0;
                for (BtfType.VarSecInfo vsi : ds.vars()) {
                    int type = vsi.type();
                    if (btf.kind(type) == BtfKind.FUNC) {
                        if (dummyVar < 0) {
                            dummyVar = w.add(new BtfType.Var(0, DUMMY_KSYM, intId,
                                    BtfType.VarLinkage.GLOBAL_ALLOCATED));
                        }
                        type = dummyVar;
                    } else {
                        BtfType.Var v = btf.type(type, BtfType.Var.class);
                        w.replace(type, new BtfType.Var(type, v.name(), intId, BtfType.VarLinkage.GLOBAL_ALLOCATED));
                    }
                    vars.add(new BtfType.VarSecInfo(type, off, 4));
                    off += 4;
                }
                size = off;
            } else if (ds.name().equals(".kconfig")) {
                KconfigLayout layout = KconfigLayout.of(spec);
                for (BtfType.VarSecInfo vsi : ds.vars()) {
                    ExternSpec e = externsByBtfId.get(vsi.type());
                    int off = e != null ? layout.offset(e) : vsi.offset();
                    vars.add(new BtfType.VarSecInfo(vsi.type(), off, vsi.size()));
                }
                size = Math.max(1, layout.size());
            } else {
                // .maps, license and sections without a spec: lay the variables out as the compiler
                // would, each at its type's alignment. Nothing reads these offsets.
                int off = 0;
                boolean given = ds.size() != 0;
                for (BtfType.VarSecInfo vsi : ds.vars()) {
                    if (given) {
                        vars.add(vsi);
                        continue;
                    }
                    int varType = btf.referencedType(vsi.type());
                    int align = Math.max(1, Math.min(8, btf.alignOf(varType)));
                    off = (off + align - 1) / align * align;
                    int vsize = vsi.size() != 0 ? vsi.size() : (int) btf.sizeOf(varType);
                    vars.add(new BtfType.VarSecInfo(vsi.type(), off, vsize));
                    off += vsize;
                }
                size = given ? ds.size() : off;
            }
            vars.sort(Comparator.comparingInt(BtfType.VarSecInfo::offset));
            w.replace(id, new BtfType.Datasec(id, ds.name(), size, vars));
        }
        sanitize(btf, w, features);
        return w.write();
    }

    private static int findInt(Btf btf, BtfWriter w) {
        for (int cand : btf.findByName("int", BtfKind.INT)) {
            if (btf.sizeOf(cand) == 4) {
                return cand;
            }
        }
        return w.add(new BtfType.Int(0, "int", 4, BtfType.Int.SIGNED, 0, 32));
    }

    private static void sanitize(Btf btf, BtfWriter w, BtfFeatures f) {
        if (f.equals(BtfFeatures.ALL)) {
            return;
        }
        for (int id = btf.firstTypeId(); id < btf.nextTypeId(); id++) {
            BtfType t = w.type(id);
            String name = t.name();
            switch (t.kind()) {
                case FUNC:
                    if (!f.func()) {
                        w.replace(id, new BtfType.Typedef(id, name, ((BtfType.Func) t).type()));
                    } else if (!f.funcGlobal() && ((BtfType.Func) t).linkage() != BtfType.FuncLinkage.STATIC) {
                        BtfType.Func fn = (BtfType.Func) t;
                        w.replace(id, new BtfType.Func(id, name, fn.type(), BtfType.FuncLinkage.STATIC));
                    }
                    break;
                case FUNC_PROTO:
                    if (!f.func()) {
                        w.replace(id, new BtfType.Enum(id, "", 4, false, List.of()));
                    }
                    break;
                case VAR:
                    if (!f.datasec()) {
                        w.replace(id, new BtfType.Int(id, name, 1, 0, 0, 8));
                    }
                    break;
                case DATASEC:
                    if (!f.datasec()) {
                        BtfType.Datasec ds = (BtfType.Datasec) t;
                        List<BtfType.Member> members = new ArrayList<>();
                        for (BtfType.VarSecInfo v : ds.vars()) {
                            BtfType vt = w.type(v.type());
                            int memberType = vt instanceof BtfType.Var ? ((BtfType.Var) vt).type() : v.type();
                            members.add(new BtfType.Member(vt.name(), memberType, v.offset() * 8, 0));
                        }
                        // A DATASEC name starts with '.', which a STRUCT may not have.
                        w.replace(id, new BtfType.Struct(id, name.replace('.', '_'), ds.size(), false, members));
                    }
                    break;
                case FLOAT:
                    if (!f.floatKind()) {
                        w.replace(id, new BtfType.Struct(id, name, ((BtfType.Float) t).size(), false, List.of()));
                    }
                    break;
                case DECL_TAG:
                    if (!f.declTag()) {
                        w.replace(id, new BtfType.Int(id, "", 1, 0, 0, 8));
                    }
                    break;
                case TYPE_TAG:
                    if (!f.typeTag()) {
                        w.replace(id, new BtfType.Const(id, "", ((BtfType.TypeTag) t).type()));
                    }
                    break;
                case ENUM64:
                    if (!f.enum64()) {
                        w.replace(id, new BtfType.Union(id, name, ((BtfType.Enum64) t).size(), false, List.of()));
                    }
                    break;
                case ENUM:
                    if (!f.enum64() && ((BtfType.Enum) t).signed()) {
                        BtfType.Enum e = (BtfType.Enum) t;
                        w.replace(id, new BtfType.Enum(id, name, e.size(), false, e.values()));
                    }
                    break;
                default:
                    break;
            }
        }
    }
}
