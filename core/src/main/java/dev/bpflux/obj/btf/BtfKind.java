package dev.bpflux.obj.btf;

/**
 * BTF type kinds with the kernel's {@code BTF_KIND_*} values ({@code include/uapi/linux/btf.h}).
 */
public enum BtfKind {
    UNKNOWN(0),
    INT(1),
    PTR(2),
    ARRAY(3),
    STRUCT(4),
    UNION(5),
    ENUM(6),
    FWD(7),
    TYPEDEF(8),
    VOLATILE(9),
    CONST(10),
    RESTRICT(11),
    /** Linux 4.20. */
    FUNC(12),
    /** Linux 4.20. */
    FUNC_PROTO(13),
    /** Linux 5.2. */
    VAR(14),
    /** Linux 5.2. */
    DATASEC(15),
    /** Linux 5.13. */
    FLOAT(16),
    /** Linux 5.16. */
    DECL_TAG(17),
    /** Linux 5.17. */
    TYPE_TAG(18),
    /** Linux 6.0. */
    ENUM64(19);

    private static final BtfKind[] BY_VALUE = values();

    private final int value;

    BtfKind(int value) {
        this.value = value;
    }

    /** The kernel's numeric kind. */
    public int value() {
        return value;
    }

    /** The kind for a numeric value, or {@code null} if unknown. */
    public static BtfKind of(int value) {
        return value >= 0 && value < BY_VALUE.length ? BY_VALUE[value] : null;
    }

    /** CONST, VOLATILE, RESTRICT, TYPEDEF or TYPE_TAG: kinds that only qualify or rename another type. */
    public boolean isModifier() {
        return this == CONST || this == VOLATILE || this == RESTRICT || this == TYPEDEF || this == TYPE_TAG;
    }
}
