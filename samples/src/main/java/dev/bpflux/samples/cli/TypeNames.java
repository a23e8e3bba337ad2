package dev.bpflux.samples.cli;

import dev.bpflux.obj.btf.Btf;
import dev.bpflux.obj.btf.BtfKind;
import dev.bpflux.obj.btf.BtfType;

/** C-like names of BTF types for display: {@code u64}, {@code char[16]}, {@code struct pair}, {@code const int *}. */
final class TypeNames {
    private static final int MAX_DEPTH = 16;

    private TypeNames() {
    }

    static String of(Btf btf, int id) {
        return of(btf, id, 0);
    }

    private static String of(Btf btf, int id, int depth) {
        if (id == 0) {
            return "void";
        }
        if (depth > MAX_DEPTH || !btf.hasType(id)) {
            return "?";
        }
        BtfKind k = btf.kind(id);
        String name = btf.typeName(id);
        switch (k) {
            case STRUCT:
                return "struct " + (name.isEmpty() ? "{...}" : name);
            case UNION:
                return "union " + (name.isEmpty() ? "{...}" : name);
            case ENUM:
            case ENUM64:
                return "enum " + (name.isEmpty() ? "{...}" : name);
            case PTR:
                return of(btf, btf.referencedType(id), depth + 1) + " *";
            case ARRAY: {
                BtfType.Array a = btf.type(id, BtfType.Array.class);
                return of(btf, a.elemType(), depth + 1) + "[" + a.nelems() + "]";
            }
            case CONST:
                return "const " + of(btf, btf.referencedType(id), depth + 1);
            case VOLATILE:
                return "volatile " + of(btf, btf.referencedType(id), depth + 1);
            case VAR:
                return of(btf, btf.referencedType(id), depth + 1);
            default:
                return name.isEmpty() ? k.name().toLowerCase() : name;
        }
    }
}
