package dev.bpflux.obj.btf;

import dev.bpflux.BpfObjectException;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Re-emits a {@link Btf} blob (header, types, strings), optionally with some types replaced or
 * appended. The loader uses it to sanitize an object's BTF for older kernels (e.g. turn DECL_TAG into
 * an INT placeholder, FUNC linkage GLOBAL into STATIC, ENUM64 into a union) and to fix DATASEC sizes
 * and offsets and VAR linkage before {@code BPF_BTF_LOAD}.
 *
 * <p>Type ids never change: a replacement takes the replaced type's id. The original string section is
 * kept byte for byte and new names are appended, so string offsets used elsewhere (BTF.ext line_info,
 * CO-RE access strings) stay valid. Unreplaced types are copied verbatim.
 *
 * <p>For split BTF only the split part is written; its string offsets continue those of the base.
 */
public final class BtfWriter {
    private final Btf btf;
    private final Map<Integer, BtfType> replaced = new HashMap<>();
    private final List<BtfType> appended = new ArrayList<>();
    private final ByteArrayOutputStream extraStrings = new ByteArrayOutputStream();
    private Map<String, Integer> stringOffsets;

    private BtfWriter(Btf btf) {
        this.btf = btf;
    }

    /** A writer that, unchanged, re-emits {@code btf} exactly. */
    public static BtfWriter of(Btf btf) {
        return new BtfWriter(btf);
    }

    /** Replaces type {@code id} (one of {@code btf}'s own, not its base's) by {@code type}; its id field is ignored. */
    public BtfWriter replace(int id, BtfType type) {
        if (id < btf.firstTypeId() || id >= btf.nextTypeId()) {
            throw new IllegalArgumentException("type id " + id + " is not defined by " + btf);
        }
        if (type instanceof BtfType.Void) {
            throw new IllegalArgumentException("void cannot be encoded");
        }
        replaced.put(id, type);
        return this;
    }

    /** Appends {@code type}; returns the id it gets. */
    public int add(BtfType type) {
        if (type instanceof BtfType.Void) {
            throw new IllegalArgumentException("void cannot be encoded");
        }
        appended.add(type);
        return btf.nextTypeId() + appended.size() - 1;
    }

    /** The type with {@code id} as it will be written (replacement, appended or original). */
    public BtfType type(int id) {
        BtfType r = replaced.get(id);
        if (r != null) {
            return r;
        }
        int a = id - btf.nextTypeId();
        if (a >= 0 && a < appended.size()) {
            return appended.get(a);
        }
        return btf.type(id);
    }

    /** One more than the highest id that will be written. */
    public int nextTypeId() {
        return btf.nextTypeId() + appended.size();
    }

    /** Encodes the blob. */
    public byte[] write() {
        ByteArrayOutputStream types = new ByteArrayOutputStream(btf.rawTypes().remaining() + 64);
        for (int id = btf.firstTypeId(); id < btf.nextTypeId(); id++) {
            BtfType r = replaced.get(id);
            if (r == null) {
                ByteBuffer raw = btf.rawType(id);
                byte[] b = new byte[raw.remaining()];
                raw.get(b);
                types.writeBytes(b);
            } else {
                types.writeBytes(encode(r));
            }
        }
        for (BtfType t : appended) {
            types.writeBytes(encode(t));
        }
        ByteBuffer origStrings = btf.rawStrings();
        int strLen = origStrings.remaining() + extraStrings.size();
        int typeLen = types.size();
        ByteBuffer out = ByteBuffer.allocate(24 + typeLen + strLen).order(ByteOrder.LITTLE_ENDIAN);
        out.putShort((short) Btf.MAGIC).put((byte) 1).put((byte) 0).putInt(24);
        out.putInt(0).putInt(typeLen).putInt(typeLen).putInt(strLen);
        out.put(types.toByteArray());
        out.put(origStrings);
        out.put(extraStrings.toByteArray());
        return out.array();
    }

    private byte[] encode(BtfType t) {
        ByteBuffer b = ByteBuffer.allocate(Btf.TYPE_HEADER + extraSize(t)).order(ByteOrder.LITTLE_ENDIAN);
        int name = str(t.name());
        if (t instanceof BtfType.Int) {
            BtfType.Int x = (BtfType.Int) t;
            header(b, name, BtfKind.INT, 0, false, x.size());
            b.putInt((x.encoding() & 0xf) << 24 | (x.bitOffset() & 0xff) << 16 | (x.bits() & 0xff));
        } else if (t instanceof BtfType.Ptr) {
            header(b, name, BtfKind.PTR, 0, false, ((BtfType.Ptr) t).type());
        } else if (t instanceof BtfType.Array) {
            BtfType.Array x = (BtfType.Array) t;
            header(b, name, BtfKind.ARRAY, 0, false, 0);
            b.putInt(x.elemType()).putInt(x.indexType()).putInt(x.nelems());
        } else if (t instanceof BtfType.Struct || t instanceof BtfType.Union) {
            boolean isStruct = t instanceof BtfType.Struct;
            int size = isStruct ? ((BtfType.Struct) t).size() : ((BtfType.Union) t).size();
            boolean kf = isStruct ? ((BtfType.Struct) t).kindFlag() : ((BtfType.Union) t).kindFlag();
            List<BtfType.Member> ms = isStruct ? ((BtfType.Struct) t).members() : ((BtfType.Union) t).members();
            header(b, name, isStruct ? BtfKind.STRUCT : BtfKind.UNION, ms.size(), kf, size);
            for (BtfType.Member m : ms) {
                if (!kf && m.bitfieldSize() != 0) {
                    throw new IllegalArgumentException("member " + m.name() + " has a bitfield size but the "
                            + "aggregate's kindFlag is not set");
                }
                b.putInt(str(m.name())).putInt(m.type())
                        .putInt(kf ? (m.bitfieldSize() << 24) | (m.bitOffset() & 0xffffff) : m.bitOffset());
            }
        } else if (t instanceof BtfType.Enum) {
            BtfType.Enum x = (BtfType.Enum) t;
            header(b, name, BtfKind.ENUM, x.values().size(), x.signed(), x.size());
            for (BtfType.EnumValue v : x.values()) {
                b.putInt(str(v.name())).putInt((int) v.value());
            }
        } else if (t instanceof BtfType.Enum64) {
            BtfType.Enum64 x = (BtfType.Enum64) t;
            header(b, name, BtfKind.ENUM64, x.values().size(), x.signed(), x.size());
            for (BtfType.EnumValue v : x.values()) {
                b.putInt(str(v.name())).putInt((int) v.value()).putInt((int) (v.value() >>> 32));
            }
        } else if (t instanceof BtfType.Fwd) {
            header(b, name, BtfKind.FWD, 0, ((BtfType.Fwd) t).union(), 0);
        } else if (t instanceof BtfType.Typedef) {
            header(b, name, BtfKind.TYPEDEF, 0, false, ((BtfType.Typedef) t).type());
        } else if (t instanceof BtfType.Volatile) {
            header(b, name, BtfKind.VOLATILE, 0, false, ((BtfType.Volatile) t).type());
        } else if (t instanceof BtfType.Const) {
            header(b, name, BtfKind.CONST, 0, false, ((BtfType.Const) t).type());
        } else if (t instanceof BtfType.Restrict) {
            header(b, name, BtfKind.RESTRICT, 0, false, ((BtfType.Restrict) t).type());
        } else if (t instanceof BtfType.Func) {
            BtfType.Func x = (BtfType.Func) t;
            header(b, name, BtfKind.FUNC, x.linkage().value(), false, x.type());
        } else if (t instanceof BtfType.FuncProto) {
            BtfType.FuncProto x = (BtfType.FuncProto) t;
            header(b, name, BtfKind.FUNC_PROTO, x.params().size(), false, x.returnType());
            for (BtfType.Param p : x.params()) {
                b.putInt(str(p.name())).putInt(p.type());
            }
        } else if (t instanceof BtfType.Var) {
            BtfType.Var x = (BtfType.Var) t;
            header(b, name, BtfKind.VAR, 0, false, x.type());
            b.putInt(x.linkage().value());
        } else if (t instanceof BtfType.Datasec) {
            BtfType.Datasec x = (BtfType.Datasec) t;
            header(b, name, BtfKind.DATASEC, x.vars().size(), false, x.size());
            for (BtfType.VarSecInfo v : x.vars()) {
                b.putInt(v.type()).putInt(v.offset()).putInt(v.size());
            }
        } else if (t instanceof BtfType.Float) {
            header(b, name, BtfKind.FLOAT, 0, false, ((BtfType.Float) t).size());
        } else if (t instanceof BtfType.DeclTag) {
            BtfType.DeclTag x = (BtfType.DeclTag) t;
            header(b, name, BtfKind.DECL_TAG, 0, false, x.type());
            b.putInt(x.componentIdx());
        } else if (t instanceof BtfType.TypeTag) {
            header(b, name, BtfKind.TYPE_TAG, 0, false, ((BtfType.TypeTag) t).type());
        } else {
            throw new IllegalArgumentException("cannot encode " + t);
        }
        return b.array();
    }

    private static int extraSize(BtfType t) {
        switch (t.kind()) {
            case INT: case VAR: case DECL_TAG:
                return 4;
            case ARRAY:
                return 12;
            case STRUCT:
                return 12 * ((BtfType.Struct) t).members().size();
            case UNION:
                return 12 * ((BtfType.Union) t).members().size();
            case ENUM:
                return 8 * ((BtfType.Enum) t).values().size();
            case ENUM64:
                return 12 * ((BtfType.Enum64) t).values().size();
            case FUNC_PROTO:
                return 8 * ((BtfType.FuncProto) t).params().size();
            case DATASEC:
                return 12 * ((BtfType.Datasec) t).vars().size();
            default:
                return 0;
        }
    }

    private static void header(ByteBuffer b, int nameOff, BtfKind kind, int vlen, boolean kindFlag, int sizeOrType) {
        if (vlen < 0 || vlen > 0xffff) {
            throw new IllegalArgumentException(kind + " with " + vlen + " entries exceeds BTF's 65535 limit");
        }
        b.putInt(nameOff).putInt((kindFlag ? 1 << 31 : 0) | kind.value() << 24 | vlen).putInt(sizeOrType);
    }

    /** Offset of {@code s} in the combined string section, appending it when it is not there yet. */
    private int str(String s) {
        if (s.isEmpty()) {
            return 0;
        }
        if (stringOffsets == null) {
            stringOffsets = new HashMap<>();
            ByteBuffer raw = btf.rawStrings();
            int start = 0;
            for (int i = 0; i < raw.limit(); i++) {
                if (raw.get(i) == 0) {
                    if (i > start) {
                        byte[] bytes = new byte[i - start];
                        raw.get(start, bytes);
                        stringOffsets.putIfAbsent(new String(bytes, StandardCharsets.UTF_8), btf.stringsBase() + start);
                    }
                    start = i + 1;
                }
            }
        }
        Integer off = stringOffsets.get(s);
        if (off != null) {
            return off;
        }
        if (extraStrings.size() == 0 && btf.rawStrings().remaining() == 0) {
            // An empty split string section: libbpf (1.1) wants every string section to start with "".
            extraStrings.write(0);
        }
        int at = btf.stringsEnd() + extraStrings.size();
        if (at < 0) {
            throw new BpfObjectException(btf.file(), ".BTF", -1, "string section too large");
        }
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        extraStrings.writeBytes(bytes);
        extraStrings.write(0);
        stringOffsets.put(s, at);
        return at;
    }
}
