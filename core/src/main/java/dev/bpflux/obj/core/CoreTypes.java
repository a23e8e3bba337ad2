package dev.bpflux.obj.core;

import dev.bpflux.obj.btf.Btf;
import dev.bpflux.obj.btf.BtfKind;
import dev.bpflux.obj.btf.BtfType;

import java.util.List;

/**
 * Type-compatibility rules shared by CO-RE and {@code __ksym}/kfunc resolution (the same rules as
 * libbpf's {@code bpf_core_types_are_compat}): the caller matched the names; here the shapes are compared
 * after skipping modifiers and typedefs on both sides. Structs, unions, enums and forward declarations
 * are compatible with the same kind (ENUM with ENUM64 too) without looking
 * inside; integers are compatible when neither is a legacy bitfield-style int (non-zero bit offset);
 * pointers and arrays compare their targets/elements; function prototypes need the same parameter
 * count, compatible parameters and a compatible return type.
 */
public final class CoreTypes {
    /** Recursion bound for nested prototypes, as libbpf. */
    static final int MAX_LEVEL = 32;

    private CoreTypes() {
    }

    /** Whether local type {@code localId} is compatible with target type {@code targetId}. */
    public static boolean areCompatible(Btf local, int localId, Btf target, int targetId) {
        return compat(local, localId, target, targetId, MAX_LEVEL);
    }

    private static boolean compat(Btf local, int localId, Btf target, int targetId, int level) {
        if (!kindsCompatible(local.kind(localId), target.kind(targetId))) {
            return false;
        }
        int l = localId;
        int t = targetId;
        for (int depth = 0; depth < MAX_LEVEL; depth++) {
            l = local.skipModifiers(l);
            t = target.skipModifiers(t);
            BtfKind lk = local.kind(l);
            BtfKind tk = target.kind(t);
            if (!kindsCompatible(lk, tk)) {
                return false;
            }
            switch (lk) {
                case UNKNOWN: case STRUCT: case UNION: case ENUM: case ENUM64: case FWD:
                    return true;
                case INT:
                    return intBitOffset(local, l) == 0 && intBitOffset(target, t) == 0;
                case PTR: case ARRAY:
                    l = local.referencedType(l);
                    t = target.referencedType(t);
                    break;
                case FUNC_PROTO: {
                    var lp = local.type(l, dev.bpflux.obj.btf.BtfType.FuncProto.class);
                    var tp = target.type(t, dev.bpflux.obj.btf.BtfType.FuncProto.class);
                    if (lp.params().size() != tp.params().size()) {
                        return false;
                    }
                    for (int i = 0; i < lp.params().size(); i++) {
                        if (level <= 0) {
                            return false;
                        }
                        if (!compat(local, local.skipModifiers(lp.params().get(i).type()), target,
                                target.skipModifiers(tp.params().get(i).type()), level - 1)) {
                            return false;
                        }
                    }
                    l = lp.returnType();
                    t = tp.returnType();
                    break;
                }
                default:
                    return false;
            }
        }
        return false;
    }

    /**
     * The stricter TYPE_MATCHES relation ({@code bpf_core_type_matches()}, libbpf's
     * {@code bpf_core_types_match}): after skipping modifiers and typedefs, names must have the same
     * essential name (an anonymous target only matches an anonymous local), and
     * <ul>
     * <li>structs/unions: every local member has a same-named target member of a matching type
     * (behind a pointer, only the kind is compared, and a FWD of the right kind matches);</li>
     * <li>enums: same size and every local enumerator name exists in the target;</li>
     * <li>ints: same size and signedness; arrays: same length and matching elements;</li>
     * <li>pointers: matching targets; prototypes: same arity, matching parameters and return.</li>
     * </ul>
     */
    public static boolean typesMatch(Btf local, int localId, Btf target, int targetId) {
        return match(local, localId, target, targetId, false, MAX_LEVEL) > 0;
    }

    private static int match(Btf lb, int lid, Btf tb, int tid, boolean behindPtr, int level) {
        if (level <= 0) {
            return -1;
        }
        for (int depth = 0; depth < MAX_LEVEL; depth++) {
            lid = lb.skipModifiers(lid);
            tid = tb.skipModifiers(tid);
            if (!namesMatch(lid == 0 ? "" : lb.typeName(lid), tid == 0 ? "" : tb.typeName(tid))) {
                return 0;
            }
            BtfKind lk = lb.kind(lid);
            BtfKind tk = tb.kind(tid);
            switch (lk) {
                case UNKNOWN:
                    return lk == tk ? 1 : 0;
                case FWD: {
                    boolean lf = lb.kindFlag(lid);
                    if (behindPtr) {
                        if (lk == tk) {
                            return lf == tb.kindFlag(tid) ? 1 : 0;
                        }
                        return (tk == BtfKind.STRUCT && !lf) || (tk == BtfKind.UNION && lf) ? 1 : 0;
                    }
                    return lk == tk && lf == tb.kindFlag(tid) ? 1 : 0;
                }
                case ENUM: case ENUM64:
                    if (tk != BtfKind.ENUM && tk != BtfKind.ENUM64) {
                        return 0;
                    }
                    return enumsMatch(lb, lid, tb, tid);
                case STRUCT: case UNION:
                    if (behindPtr) {
                        if (lk == tk) {
                            return 1;
                        }
                        if (tk != BtfKind.FWD) {
                            return 0;
                        }
                        return (lk == BtfKind.UNION) == tb.kindFlag(tid) ? 1 : 0;
                    }
                    if (lk != tk) {
                        return 0;
                    }
                    return compositesMatch(lb, lid, tb, tid, behindPtr, level);
                case INT: {
                    if (lk != tk) {
                        return 0;
                    }
                    BtfType.Int li = lb.type(lid, BtfType.Int.class);
                    BtfType.Int ti = tb.type(tid, BtfType.Int.class);
                    return li.size() == ti.size() && li.isSigned() == ti.isSigned() ? 1 : 0;
                }
                case PTR:
                    if (lk != tk) {
                        return 0;
                    }
                    behindPtr = true;
                    lid = lb.referencedType(lid);
                    tid = tb.referencedType(tid);
                    break;
                case ARRAY: {
                    if (lk != tk) {
                        return 0;
                    }
                    BtfType.Array la = lb.type(lid, BtfType.Array.class);
                    BtfType.Array ta = tb.type(tid, BtfType.Array.class);
                    if (la.nelems() != ta.nelems()) {
                        return 0;
                    }
                    lid = la.elemType();
                    tid = ta.elemType();
                    break;
                }
                case FUNC_PROTO: {
                    if (lk != tk) {
                        return 0;
                    }
                    BtfType.FuncProto lp = lb.type(lid, BtfType.FuncProto.class);
                    BtfType.FuncProto tp = tb.type(tid, BtfType.FuncProto.class);
                    if (lp.params().size() != tp.params().size()) {
                        return 0;
                    }
                    for (int i = 0; i < lp.params().size(); i++) {
                        int r = match(lb, lp.params().get(i).type(), tb, tp.params().get(i).type(), behindPtr,
                                level - 1);
                        if (r <= 0) {
                            return r;
                        }
                    }
                    lid = lp.returnType();
                    tid = tp.returnType();
                    break;
                }
                default:
                    return 0;
            }
        }
        return -1;
    }

    /** An anonymous target matches only an anonymous local; otherwise essential names must agree. */
    private static boolean namesMatch(String local, String target) {
        if (target.isEmpty()) {
            return local.isEmpty();
        }
        return CoreNames.sameEssentialName(local, target);
    }

    private static int enumsMatch(Btf lb, int lid, Btf tb, int tid) {
        if (lb.sizeOf(lid) != tb.sizeOf(tid)) {
            return 0;
        }
        List<BtfType.EnumValue> lv = CoreRelocator.enumerators(lb, lid);
        List<BtfType.EnumValue> tv = CoreRelocator.enumerators(tb, tid);
        if (lv.size() > tv.size()) {
            return 0;
        }
        for (BtfType.EnumValue l : lv) {
            boolean found = false;
            for (BtfType.EnumValue t : tv) {
                if (namesMatch(l.name(), t.name())) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                return 0;
            }
        }
        return 1;
    }

    private static int compositesMatch(Btf lb, int lid, Btf tb, int tid, boolean behindPtr, int level) {
        List<BtfType.Member> lm = CoreRelocator.members(lb, lid);
        List<BtfType.Member> tm = CoreRelocator.members(tb, tid);
        if (lm.size() > tm.size()) {
            return 0;
        }
        for (BtfType.Member l : lm) {
            boolean matched = false;
            for (BtfType.Member t : tm) {
                if (!namesMatch(l.name(), t.name())) {
                    continue;
                }
                int r = match(lb, l.type(), tb, t.type(), behindPtr, level - 1);
                if (r < 0) {
                    return r;
                }
                if (r > 0) {
                    matched = true;
                    break;
                }
            }
            if (!matched) {
                return 0;
            }
        }
        return 1;
    }

    /** Same kind, or ENUM vs ENUM64 (libbpf's btf_kind_core_compat). */
    static boolean kindsCompatible(BtfKind a, BtfKind b) {
        if (a == b) {
            return true;
        }
        if ((a == BtfKind.ENUM || a == BtfKind.ENUM64) && (b == BtfKind.ENUM || b == BtfKind.ENUM64)) {
            return true;
        }
        return false;
    }

    private static int intBitOffset(Btf btf, int id) {
        return btf.type(id, dev.bpflux.obj.btf.BtfType.Int.class).bitOffset();
    }
}
