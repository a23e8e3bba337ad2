package dev.bpflux.obj.core;

import dev.bpflux.obj.btf.Btf;
import dev.bpflux.obj.btf.BtfKind;

/**
 * Type-compatibility rules shared by CO-RE and {@code __ksym}/kfunc resolution (the same rules as
 * libbpf's {@code bpf_core_types_are_compat}): the caller matched the names; here the shapes are compared
 * after skipping modifiers and typedefs on both sides. Structs, unions, enums and forward declarations
 * are compatible with the same kind (a FWD with a struct/union, ENUM with ENUM64) without looking
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

    /** Same kind, or FWD vs STRUCT/UNION, or ENUM vs ENUM64 (libbpf's btf_kind_core_compat). */
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
