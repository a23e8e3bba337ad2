package dev.bpflux.obj.btf;

/**
 * CO-RE relocation kinds with the kernel's {@code enum bpf_core_relo_kind} values (linux/bpf.h).
 */
public enum CoreReloKind {
    /** Field byte offset. */
    FIELD_BYTE_OFFSET(0),
    /** Field size in bytes. */
    FIELD_BYTE_SIZE(1),
    /** Field existence in target kernel. */
    FIELD_EXISTS(2),
    /** Field signedness (0 unsigned, 1 signed). */
    FIELD_SIGNED(3),
    /** Bitfield-specific left bitshift. */
    FIELD_LSHIFT_U64(4),
    /** Bitfield-specific right bitshift. */
    FIELD_RSHIFT_U64(5),
    /** Type ID in local BPF object. */
    TYPE_ID_LOCAL(6),
    /** Type ID in target kernel. */
    TYPE_ID_TARGET(7),
    /** Type existence in target kernel. */
    TYPE_EXISTS(8),
    /** Type size in bytes. */
    TYPE_SIZE(9),
    /** Enum value existence in target kernel. */
    ENUMVAL_EXISTS(10),
    /** Enum value integer value. */
    ENUMVAL_VALUE(11),
    /** Type matches target kernel type (Linux 6.2, libbpf 1.1). Value 12 per linux/bpf.h. */
    TYPE_MATCHES(12);

    private final int value;

    CoreReloKind(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }

    /** The kind with this kernel value, or {@code null} if unknown. */
    public static CoreReloKind of(int value) {
        for (CoreReloKind k : values()) {
            if (k.value == value) {
                return k;
            }
        }
        return null;
    }

    public boolean isFieldBased() {
        return value <= 5;
    }

    public boolean isTypeBased() {
        return this == TYPE_ID_LOCAL || this == TYPE_ID_TARGET || this == TYPE_EXISTS || this == TYPE_SIZE
                || this == TYPE_MATCHES;
    }

    public boolean isEnumValueBased() {
        return this == ENUMVAL_EXISTS || this == ENUMVAL_VALUE;
    }
}
