package dev.bpflux.obj.btf;

import java.util.List;

/**
 * One decoded BTF type. Records mirror {@code struct btf_type} and the kind-specific data that
 * follows it ({@code include/uapi/linux/btf.h}); type references are BTF type ids in the same
 * {@link Btf} (0 is {@code void}). Names are the resolved strings ("" for anonymous types).
 *
 * <p>Decoded on demand by {@link Btf#type(int)}; a {@link BtfWriter} can encode any of them again.
 */
public sealed interface BtfType {
    /** This type's id in its {@link Btf}; -1 for a type built by hand and not yet placed. */
    int id();

    /** Type name, "" when anonymous. */
    String name();

    BtfKind kind();

    /** Type id 0. */
    record Void() implements BtfType {
        public int id() {
            return 0;
        }

        public String name() {
            return "void";
        }

        public BtfKind kind() {
            return BtfKind.UNKNOWN;
        }
    }

    /** {@code BTF_KIND_INT}: {@code encoding} is a mask of {@link #SIGNED}, {@link #CHAR}, {@link #BOOL}. */
    record Int(int id, String name, int size, int encoding, int bitOffset, int bits) implements BtfType {
        public static final int SIGNED = 1;
        public static final int CHAR = 2;
        public static final int BOOL = 4;

        public BtfKind kind() {
            return BtfKind.INT;
        }

        public boolean isSigned() {
            return (encoding & SIGNED) != 0;
        }
    }

    /** {@code BTF_KIND_PTR}. */
    record Ptr(int id, String name, int type) implements BtfType {
        public BtfKind kind() {
            return BtfKind.PTR;
        }
    }

    /** {@code BTF_KIND_ARRAY}: {@code struct btf_array}. */
    record Array(int id, String name, int elemType, int indexType, int nelems) implements BtfType {
        public BtfKind kind() {
            return BtfKind.ARRAY;
        }
    }

    /**
     * A member of a struct or union. {@code bitOffset} is the offset from the start of the aggregate
     * in bits; {@code bitfieldSize} is non-zero only for bitfields (it is encoded in the high 8 bits
     * of {@code offset} when the aggregate's kind_flag is set).
     */
    record Member(String name, int type, int bitOffset, int bitfieldSize) {
    }

    /**
     * {@code BTF_KIND_STRUCT}. {@code kindFlag} set means member offsets carry bitfield sizes in the
     * high 8 bits; {@link Member#bitOffset()} and {@link Member#bitfieldSize()} are already split.
     */
    record Struct(int id, String name, int size, boolean kindFlag, List<Member> members) implements BtfType {
        public Struct {
            members = List.copyOf(members);
        }

        public BtfKind kind() {
            return BtfKind.STRUCT;
        }
    }

    /** {@code BTF_KIND_UNION}; same layout as {@link Struct}. */
    record Union(int id, String name, int size, boolean kindFlag, List<Member> members) implements BtfType {
        public Union {
            members = List.copyOf(members);
        }

        public BtfKind kind() {
            return BtfKind.UNION;
        }
    }

    /** An enumerator of {@link Enum} or {@link Enum64}; {@code value} is sign- or zero-extended per the enum. */
    record EnumValue(String name, long value) {
    }

    /** {@code BTF_KIND_ENUM}: 32-bit values; {@code signed} is the kind_flag (Linux 6.0). */
    record Enum(int id, String name, int size, boolean signed, List<EnumValue> values) implements BtfType {
        public Enum {
            values = List.copyOf(values);
        }

        public BtfKind kind() {
            return BtfKind.ENUM;
        }
    }

    /** {@code BTF_KIND_ENUM64} (Linux 6.0): 64-bit values; {@code signed} is the kind_flag. */
    record Enum64(int id, String name, int size, boolean signed, List<EnumValue> values) implements BtfType {
        public Enum64 {
            values = List.copyOf(values);
        }

        public BtfKind kind() {
            return BtfKind.ENUM64;
        }
    }

    /** {@code BTF_KIND_FWD}: a forward declaration; {@code union} is the kind_flag. */
    record Fwd(int id, String name, boolean union) implements BtfType {
        public BtfKind kind() {
            return BtfKind.FWD;
        }
    }

    /** {@code BTF_KIND_TYPEDEF}. */
    record Typedef(int id, String name, int type) implements BtfType {
        public BtfKind kind() {
            return BtfKind.TYPEDEF;
        }
    }

    /** {@code BTF_KIND_VOLATILE}. */
    record Volatile(int id, String name, int type) implements BtfType {
        public BtfKind kind() {
            return BtfKind.VOLATILE;
        }
    }

    /** {@code BTF_KIND_CONST}. */
    record Const(int id, String name, int type) implements BtfType {
        public BtfKind kind() {
            return BtfKind.CONST;
        }
    }

    /** {@code BTF_KIND_RESTRICT}. */
    record Restrict(int id, String name, int type) implements BtfType {
        public BtfKind kind() {
            return BtfKind.RESTRICT;
        }
    }

    /** {@code btf_func_linkage}: the FUNC's vlen. */
    enum FuncLinkage {
        STATIC, GLOBAL, EXTERN;

        public int value() {
            return ordinal();
        }
    }

    /** {@code BTF_KIND_FUNC}: {@code type} is its FUNC_PROTO. Linkage GLOBAL/EXTERN needs Linux 5.6. */
    record Func(int id, String name, int type, FuncLinkage linkage) implements BtfType {
        public BtfKind kind() {
            return BtfKind.FUNC;
        }
    }

    /** A FUNC_PROTO parameter; a trailing {@code ("", 0)} parameter marks a variadic function. */
    record Param(String name, int type) {
    }

    /** {@code BTF_KIND_FUNC_PROTO}. */
    record FuncProto(int id, String name, int returnType, List<Param> params) implements BtfType {
        public FuncProto {
            params = List.copyOf(params);
        }

        public BtfKind kind() {
            return BtfKind.FUNC_PROTO;
        }
    }

    /** {@code btf_var.linkage}. */
    enum VarLinkage {
        STATIC, GLOBAL_ALLOCATED, GLOBAL_EXTERN;

        public int value() {
            return ordinal();
        }
    }

    /** {@code BTF_KIND_VAR}. */
    record Var(int id, String name, int type, VarLinkage linkage) implements BtfType {
        public BtfKind kind() {
            return BtfKind.VAR;
        }
    }

    /** {@code struct btf_var_secinfo}: a VAR (or extern FUNC, in .ksyms) placed in a DATASEC. */
    record VarSecInfo(int type, int offset, int size) {
    }

    /** {@code BTF_KIND_DATASEC}. */
    record Datasec(int id, String name, int size, List<VarSecInfo> vars) implements BtfType {
        public Datasec {
            vars = List.copyOf(vars);
        }

        public BtfKind kind() {
            return BtfKind.DATASEC;
        }
    }

    /** {@code BTF_KIND_FLOAT} (Linux 5.13). */
    record Float(int id, String name, int size) implements BtfType {
        public BtfKind kind() {
            return BtfKind.FLOAT;
        }
    }

    /**
     * {@code BTF_KIND_DECL_TAG} (Linux 5.16): tags {@code type}; {@code componentIdx} -1 tags the
     * type itself, otherwise a member or parameter index.
     */
    record DeclTag(int id, String name, int type, int componentIdx) implements BtfType {
        public BtfKind kind() {
            return BtfKind.DECL_TAG;
        }
    }

    /** {@code BTF_KIND_TYPE_TAG} (Linux 5.17), e.g. {@code "kptr"} on a pointee. */
    record TypeTag(int id, String name, int type) implements BtfType {
        public BtfKind kind() {
            return BtfKind.TYPE_TAG;
        }
    }
}
