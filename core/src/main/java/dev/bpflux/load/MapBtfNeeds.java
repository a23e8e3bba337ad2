package dev.bpflux.load;

import dev.bpflux.obj.MapSpec;
import dev.bpflux.obj.MapType;
import dev.bpflux.obj.btf.Btf;
import dev.bpflux.obj.btf.BtfKind;
import dev.bpflux.obj.btf.BtfType;

/** Whether the kernel accepts a map only with BTF types: local storage, or values holding kptrs, spin locks, timers. */
final class MapBtfNeeds {
    private static final int MAX_DEPTH = 8;

    private MapBtfNeeds() {
    }

    static boolean needsBtf(Btf btf, MapSpec m) {
        if (m.type() == MapType.TASK_STORAGE || m.type() == MapType.INODE_STORAGE || m.type() == MapType.SK_STORAGE
                || m.type() == MapType.CGRP_STORAGE) {
            return true;
        }
        return btf != null && m.valueTypeId() != 0 && special(btf, m.valueTypeId(), 0);
    }

    private static boolean special(Btf btf, int id, int depth) {
        if (id == 0 || depth > MAX_DEPTH || !btf.hasType(id)) {
            return false;
        }
        BtfKind k = btf.kind(id);
        if (k == BtfKind.TYPE_TAG) {
            return true;
        }
        if (k.isModifier()) {
            return special(btf, btf.referencedType(id), depth + 1);
        }
        if (k == BtfKind.PTR) {
            return special(btf, btf.referencedType(id), depth + 1) && btf.kind(btf.referencedType(id)) == BtfKind.TYPE_TAG;
        }
        if (k == BtfKind.ARRAY) {
            return special(btf, btf.type(id, BtfType.Array.class).elemType(), depth + 1);
        }
        if (k == BtfKind.STRUCT || k == BtfKind.UNION) {
            String n = btf.typeName(id);
            if (n.equals("bpf_spin_lock") || n.equals("bpf_timer") || n.equals("bpf_wq") || n.equals("bpf_list_head")
                    || n.equals("bpf_rb_root") || n.equals("bpf_refcount") || n.equals("bpf_res_spin_lock")) {
                return true;
            }
            BtfType t = btf.type(id);
            java.util.List<BtfType.Member> ms = t instanceof BtfType.Struct ? ((BtfType.Struct) t).members()
                    : ((BtfType.Union) t).members();
            for (BtfType.Member mem : ms) {
                if (special(btf, mem.type(), depth + 1)) {
                    return true;
                }
            }
        }
        return false;
    }
}
