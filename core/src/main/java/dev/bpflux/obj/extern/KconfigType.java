package dev.bpflux.obj.extern;

import dev.bpflux.obj.btf.Btf;
import dev.bpflux.obj.btf.BtfKind;
import dev.bpflux.obj.btf.BtfType;

/**
 * The C type of a {@code __kconfig} extern, which decides how a config value is encoded (the same
 * classification as libbpf's): after skipping modifiers and typedefs,
 * <ul>
 * <li>{@code bool} (1-byte INT with the BOOL encoding): {@link #BOOL};</li>
 * <li>any other 1-byte INT ({@code char}, {@code u8}, {@code s8}): {@link #CHAR}, which takes
 * {@code y}/{@code n}/{@code m} as the letter and numbers as a byte;</li>
 * <li>INT of 2, 4 or 8 bytes: {@link #INT};</li>
 * <li>{@code enum libbpf_tristate} (ENUM of 4 bytes or ENUM64 with that name): {@link #TRISTATE};</li>
 * <li>a non-empty array of {@link #CHAR}: {@link #CHAR_ARRAY} (strings);</li>
 * <li>anything else: {@link #UNKNOWN}, an error.</li>
 * </ul>
 */
public enum KconfigType {
    BOOL, CHAR, INT, TRISTATE, CHAR_ARRAY, UNKNOWN;

    /** Classifies type {@code typeId} of {@code btf}. */
    public static KconfigType of(Btf btf, int typeId) {
        int id = btf.skipModifiers(typeId);
        switch (btf.kind(id)) {
            case INT: {
                BtfType.Int t = btf.type(id, BtfType.Int.class);
                if ((t.encoding() & BtfType.Int.BOOL) != 0) {
                    return t.size() == 1 ? BOOL : UNKNOWN;
                }
                if (t.size() == 1) {
                    return CHAR;
                }
                return t.size() == 2 || t.size() == 4 || t.size() == 8 ? INT : UNKNOWN;
            }
            case ENUM:
                return btf.sizeOf(id) == 4 && btf.typeName(id).equals("libbpf_tristate") ? TRISTATE : UNKNOWN;
            case ENUM64:
                return btf.typeName(id).equals("libbpf_tristate") ? TRISTATE : UNKNOWN;
            case ARRAY: {
                BtfType.Array a = btf.type(id, BtfType.Array.class);
                return a.nelems() != 0 && of(btf, a.elemType()) == CHAR ? CHAR_ARRAY : UNKNOWN;
            }
            default:
                return UNKNOWN;
        }
    }

    /** Whether an integer of this type is signed (INT and CHAR with the SIGNED encoding). */
    public static boolean isSigned(Btf btf, int typeId) {
        int id = btf.skipModifiers(typeId);
        return btf.kind(id) == BtfKind.INT && btf.type(id, BtfType.Int.class).isSigned();
    }
}
