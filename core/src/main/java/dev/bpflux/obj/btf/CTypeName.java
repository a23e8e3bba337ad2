package dev.bpflux.obj.btf;

/**
 * C-like names of BTF types, for messages and display: {@code unsigned int}, {@code __u32},
 * {@code char[16]}, {@code enum mode}, {@code struct pair}, {@code const int *}. One place, so that the
 * CLI's listing and the loader's errors name a type alike.
 */
public final class CTypeName {
    private static final int MAX_DEPTH = 16;

    private CTypeName() {
    }

    /** The name of type {@code id} as a C declaration would spell it ({@code "?"} for a bad id). */
    public static String of(Btf btf, int id) {
        return of(btf, id, false, 0);
    }

    /**
     * The type of a variable for an error message: its declared type without {@code const}/{@code volatile},
     * and what a typedef stands for, e.g. {@code __u32 (unsigned int)}, {@code bool (_Bool)}, {@code char[16]}.
     */
    public static String describe(Btf btf, int id) {
        if (!btf.hasType(id)) {
            return "?";
        }
        int declared = btf.skipQualifiers(id);
        String name = of(btf, declared, true, 0);
        if (btf.kind(declared) == BtfKind.TYPEDEF) {
            String underlying = of(btf, btf.skipModifiers(declared), true, 0);
            if (!underlying.equals(name)) {
                return name + " (" + underlying + ")";
            }
        }
        return name;
    }

    /** {@code unqualified}: leave out const and volatile (a {@code const volatile} configuration variable is still a {@code char[16]}). */
    private static String of(Btf btf, int id, boolean unqualified, int depth) {
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
                return of(btf, btf.referencedType(id), false, depth + 1) + " *";
            case ARRAY: {
                BtfType.Array a = btf.type(id, BtfType.Array.class);
                return of(btf, a.elemType(), unqualified, depth + 1) + "[" + a.nelems() + "]";
            }
            case CONST:
                return (unqualified ? "" : "const ") + of(btf, btf.referencedType(id), unqualified, depth + 1);
            case VOLATILE:
                return (unqualified ? "" : "volatile ") + of(btf, btf.referencedType(id), unqualified, depth + 1);
            case VAR:
                return of(btf, btf.referencedType(id), unqualified, depth + 1);
            default:
                return name.isEmpty() ? k.name().toLowerCase() : name;
        }
    }
}
