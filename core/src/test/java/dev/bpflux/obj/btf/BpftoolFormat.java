package dev.bpflux.obj.btf;

import java.util.ArrayList;
import java.util.List;

/**
 * Formats types the way {@code bpftool btf dump file X} (raw format) prints them, so the decoded
 * model can be compared line by line with the tool's independent reading of the same blob.
 */
final class BpftoolFormat {
    private BpftoolFormat() {
    }

    static List<String> dump(Btf btf) {
        List<String> out = new ArrayList<>();
        for (int id = btf.firstTypeId(); id < btf.nextTypeId(); id++) {
            format(btf, btf.type(id), out);
        }
        return out;
    }

    private static String n(String s) {
        return "'" + (s.isEmpty() ? "(anon)" : s) + "'";
    }

    static void format(Btf btf, BtfType t, List<String> out) {
        String head = "[" + t.id() + "] " + t.kind() + " " + n(t.name());
        if (t instanceof BtfType.Int) {
            BtfType.Int x = (BtfType.Int) t;
            String enc;
            switch (x.encoding()) {
                case 0: enc = "(none)"; break;
                case BtfType.Int.SIGNED: enc = "SIGNED"; break;
                case BtfType.Int.CHAR: enc = "CHAR"; break;
                case BtfType.Int.BOOL: enc = "BOOL"; break;
                default: enc = "UNKN";
            }
            out.add(head + " size=" + x.size() + " bits_offset=" + x.bitOffset() + " nr_bits=" + x.bits()
                    + " encoding=" + enc);
        } else if (t instanceof BtfType.Ptr) {
            out.add(head + " type_id=" + ((BtfType.Ptr) t).type());
        } else if (t instanceof BtfType.Typedef) {
            out.add(head + " type_id=" + ((BtfType.Typedef) t).type());
        } else if (t instanceof BtfType.Volatile) {
            out.add(head + " type_id=" + ((BtfType.Volatile) t).type());
        } else if (t instanceof BtfType.Const) {
            out.add(head + " type_id=" + ((BtfType.Const) t).type());
        } else if (t instanceof BtfType.Restrict) {
            out.add(head + " type_id=" + ((BtfType.Restrict) t).type());
        } else if (t instanceof BtfType.TypeTag) {
            out.add(head + " type_id=" + ((BtfType.TypeTag) t).type());
        } else if (t instanceof BtfType.Array) {
            BtfType.Array x = (BtfType.Array) t;
            out.add(head + " type_id=" + x.elemType() + " index_type_id=" + x.indexType() + " nr_elems="
                    + Integer.toUnsignedString(x.nelems()));
        } else if (t instanceof BtfType.Struct || t instanceof BtfType.Union) {
            int size = t instanceof BtfType.Struct ? ((BtfType.Struct) t).size() : ((BtfType.Union) t).size();
            List<BtfType.Member> ms = t instanceof BtfType.Struct ? ((BtfType.Struct) t).members()
                    : ((BtfType.Union) t).members();
            out.add(head + " size=" + Integer.toUnsignedString(size) + " vlen=" + ms.size());
            for (BtfType.Member m : ms) {
                out.add("\t" + n(m.name()) + " type_id=" + m.type() + " bits_offset=" + m.bitOffset()
                        + (m.bitfieldSize() != 0 ? " bitfield_size=" + m.bitfieldSize() : ""));
            }
        } else if (t instanceof BtfType.Enum) {
            BtfType.Enum x = (BtfType.Enum) t;
            out.add(head + " encoding=" + (x.signed() ? "SIGNED" : "UNSIGNED") + " size=" + x.size() + " vlen="
                    + x.values().size());
            for (BtfType.EnumValue v : x.values()) {
                out.add("\t" + n(v.name()) + " val=" + v.value());
            }
        } else if (t instanceof BtfType.Enum64) {
            BtfType.Enum64 x = (BtfType.Enum64) t;
            out.add(head + " encoding=" + (x.signed() ? "SIGNED" : "UNSIGNED") + " size=" + x.size() + " vlen="
                    + x.values().size());
            for (BtfType.EnumValue v : x.values()) {
                out.add("\t" + n(v.name()) + " val=" + (x.signed() ? v.value() + "LL"
                        : Long.toUnsignedString(v.value()) + "ULL"));
            }
        } else if (t instanceof BtfType.Fwd) {
            out.add(head + " fwd_kind=" + (((BtfType.Fwd) t).union() ? "union" : "struct"));
        } else if (t instanceof BtfType.Func) {
            BtfType.Func x = (BtfType.Func) t;
            out.add(head + " type_id=" + x.type() + " linkage=" + x.linkage().name().toLowerCase());
        } else if (t instanceof BtfType.FuncProto) {
            BtfType.FuncProto x = (BtfType.FuncProto) t;
            out.add(head + " ret_type_id=" + x.returnType() + " vlen=" + x.params().size());
            for (BtfType.Param p : x.params()) {
                out.add("\t" + n(p.name()) + " type_id=" + p.type());
            }
        } else if (t instanceof BtfType.Var) {
            BtfType.Var x = (BtfType.Var) t;
            String linkage = x.linkage() == BtfType.VarLinkage.STATIC ? "static"
                    : x.linkage() == BtfType.VarLinkage.GLOBAL_ALLOCATED ? "global" : "extern";
            out.add(head + " type_id=" + x.type() + ", linkage=" + linkage);
        } else if (t instanceof BtfType.Datasec) {
            BtfType.Datasec x = (BtfType.Datasec) t;
            out.add(head + " size=" + Integer.toUnsignedString(x.size()) + " vlen=" + x.vars().size());
            for (BtfType.VarSecInfo v : x.vars()) {
                out.add("\ttype_id=" + v.type() + " offset=" + Integer.toUnsignedString(v.offset()) + " size="
                        + Integer.toUnsignedString(v.size()) + " (" + btf.kind(v.type()) + " "
                        + n(btf.typeName(v.type())) + ")");
            }
        } else if (t instanceof BtfType.Float) {
            out.add(head + " size=" + ((BtfType.Float) t).size());
        } else if (t instanceof BtfType.DeclTag) {
            BtfType.DeclTag x = (BtfType.DeclTag) t;
            out.add(head + " type_id=" + x.type() + " component_idx=" + x.componentIdx());
        } else {
            throw new AssertionError("unexpected " + t);
        }
    }
}
