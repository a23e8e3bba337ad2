package dev.bpflux.obj.btf;

import dev.bpflux.BpfObjectException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A BTF blob: an object's {@code .BTF} section, the kernel's {@code /sys/kernel/btf/vmlinux}, or a
 * module's split BTF on top of a base.
 *
 * <p>Parsing is lazy: opening makes one pass recording where each type starts (an {@code int[]});
 * a type is decoded into a {@link BtfType} only when asked for, and the name index is built on the
 * first lookup by name. Lookups by id, kind and name that do not need the full type
 * ({@link #kind(int)}, {@link #typeName(int)}, {@link #referencedType(int)}) decode nothing.
 *
 * <p>Split BTF (Linux 5.11): the ids of a split blob continue after its base's last id, and its string
 * offsets continue after the base's string section; lookups fall through to the base.
 *
 * <p>Layout ({@code struct btf_header}, little-endian): magic 0xeB9F (u16), version 1 (u8), flags (u8),
 * hdr_len (u32), type_off, type_len, str_off, str_len (u32 each, relative to the end of the header).
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class Btf {
    static final int MAGIC = 0xeB9F;
    static final int TYPE_HEADER = 12;
    /** How many modifier/typedef/array hops a resolution may take; libbpf uses the same bound. */
    static final int MAX_RESOLVE_DEPTH = 32;
    private static final int POINTER_SIZE = 8;

    private final String file;
    private final String section;
    private final ByteBuffer data;
    private final Btf base;
    private final int firstId;
    private final int hdrLen;
    private final int typeStart;
    private final int typeLen;
    private final int strStart;
    private final int strLen;
    private final int strBase;
    /** Absolute position in {@code data} of each local type, plus one final entry: the types' end. */
    private final int[] offsets;
    private volatile NameIndex nameIndex;
    /** The blob's backing array when it has one (not for mapped files), for fast hashing. */
    private final byte[] array;
    private final int arrayOffset;

    private Btf(ByteBuffer buffer, Btf base, String file, String section) {
        this.file = file;
        this.section = section;
        this.base = base;
        this.data = buffer.slice().order(ByteOrder.LITTLE_ENDIAN);
        this.array = data.hasArray() ? data.array() : null;
        this.arrayOffset = data.hasArray() ? data.arrayOffset() : 0;
        ByteBuffer d = data;
        int cap = d.capacity();
        if (cap < 24) {
            throw error(0, "BTF is " + cap + " bytes, shorter than its 24-byte header");
        }
        if (Short.toUnsignedInt(d.getShort(0)) != MAGIC) {
            if (Short.toUnsignedInt(d.getShort(0)) == 0x9FeB) {
                throw error(0, "big-endian BTF is not supported");
            }
            throw error(0, "bad BTF magic 0x" + Integer.toHexString(Short.toUnsignedInt(d.getShort(0)))
                    + ", expected 0xeb9f");
        }
        if (d.get(2) != 1) {
            throw error(2, "unsupported BTF version " + d.get(2) + ", expected 1");
        }
        long hl = Integer.toUnsignedLong(d.getInt(4));
        if (hl < 24 || hl > cap) {
            throw error(4, "BTF header length " + hl + " invalid for a " + cap + "-byte blob");
        }
        hdrLen = (int) hl;
        long typeOff = Integer.toUnsignedLong(d.getInt(8));
        long tLen = Integer.toUnsignedLong(d.getInt(12));
        long strOff = Integer.toUnsignedLong(d.getInt(16));
        long sLen = Integer.toUnsignedLong(d.getInt(20));
        if (hl + typeOff + tLen > cap) {
            throw error(8, "type section [" + typeOff + ", +" + tLen + ") extends past the end of the BTF");
        }
        if (hl + strOff + sLen > cap) {
            throw error(16, "string section [" + strOff + ", +" + sLen + ") extends past the end of the BTF");
        }
        if (typeOff % 4 != 0) {
            throw error(8, "type section offset " + typeOff + " is not 4-byte aligned");
        }
        typeStart = (int) (hl + typeOff);
        typeLen = (int) tLen;
        strStart = (int) (hl + strOff);
        strLen = (int) sLen;
        if (base == null) {
            if (strLen == 0 || d.get(strStart) != 0) {
                throw error(strStart, "string section must start with an empty string");
            }
            if (d.get(strStart + strLen - 1) != 0) {
                throw error(strStart + strLen - 1, "string section is not NUL-terminated");
            }
            strBase = 0;
            firstId = 1;
        } else {
            if (strLen > 0 && d.get(strStart + strLen - 1) != 0) {
                throw error(strStart + strLen - 1, "string section is not NUL-terminated");
            }
            strBase = base.strBase + base.strLen;
            firstId = base.firstId + base.localCount();
        }
        if (typeStart < strStart + strLen && strStart < typeStart + typeLen) {
            throw error(8, "type and string sections overlap");
        }
        offsets = indexTypes();
    }

    /** Parses a base (non-split) BTF blob. {@code file} names it in errors (may be null). */
    public static Btf parse(ByteBuffer buffer, String file) {
        return new Btf(buffer, null, file, ".BTF");
    }

    /** Parses a base (non-split) BTF blob. */
    public static Btf parse(byte[] bytes, String file) {
        return parse(ByteBuffer.wrap(bytes), file);
    }

    /** Parses split BTF (a kernel module's) whose ids and strings continue those of {@code base}. */
    public static Btf parseSplit(ByteBuffer buffer, Btf base, String file) {
        if (base == null) {
            throw new IllegalArgumentException("base BTF is required for split BTF");
        }
        return new Btf(buffer, base, file, ".BTF");
    }

    /** Parses split BTF from bytes. */
    public static Btf parseSplit(byte[] bytes, Btf base, String file) {
        return parseSplit(ByteBuffer.wrap(bytes), base, file);
    }

    /**
     * Reads a raw BTF file such as {@code /sys/kernel/btf/vmlinux}. The file is memory-mapped when the
     * file system allows a shared read-only mapping (regular files), otherwise (sysfs) read into one
     * exactly-sized array.
     */
    public static Btf read(Path path) {
        return parse(readBlob(path), path.toString());
    }

    /** Reads a module's split BTF file, e.g. {@code /sys/kernel/btf/nf_tables}, on top of {@code base}. */
    public static Btf readSplit(Path path, Btf base) {
        return parseSplit(readBlob(path), base, path.toString());
    }

    /** The running kernel's BTF, {@code /sys/kernel/btf/vmlinux} (needs CONFIG_DEBUG_INFO_BTF, Linux 5.4). */
    public static Btf readKernel() {
        return read(Path.of("/sys/kernel/btf/vmlinux"));
    }

    private static ByteBuffer readBlob(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE - 16) {
                throw new BpfObjectException(path.toString(), null, -1, "BTF file of " + size + " bytes is too large");
            }
            if (size > 0) {
                try {
                    return ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
                } catch (IOException | UnsupportedOperationException e) {
                    // sysfs refuses shared mappings (EACCES): read it instead.
                }
            }
            // One exactly-sized heap array: cheaper to allocate and free than a direct buffer.
            byte[] bytes = new byte[(int) Math.max(size, 1 << 16)];
            int n = 0;
            while (true) {
                if (n == bytes.length) {
                    // Full: the common case is that the reported size was exact, so probe for EOF first.
                    ByteBuffer probe = ByteBuffer.allocate(1);
                    if (ch.read(probe) < 0) {
                        break;
                    }
                    if (bytes.length >= Integer.MAX_VALUE / 2) {
                        throw new BpfObjectException(path.toString(), null, n, "BTF file too large");
                    }
                    bytes = Arrays.copyOf(bytes, bytes.length * 2);
                    bytes[n++] = probe.get(0);
                    continue;
                }
                int r = ch.read(ByteBuffer.wrap(bytes, n, bytes.length - n));
                if (r < 0) {
                    break;
                }
                n += r;
            }
            return ByteBuffer.wrap(bytes, 0, n);
        } catch (IOException e) {
            throw new BpfObjectException(path.toString(), null, -1, "cannot read BTF: " + e.getMessage()
                    + (Files.exists(path) ? "" : " (the kernel needs CONFIG_DEBUG_INFO_BTF)"), e);
        }
    }

    /** Size of the type at {@code pos} (header + kind data), or -1 for an unknown kind. */
    private static long typeSize(ByteBuffer d, int pos) {
        int info = d.getInt(pos + 4);
        int vlen = info & 0xffff;
        switch ((info >>> 24) & 0x1f) {
            case 1: // INT
            case 14: // VAR
            case 17: // DECL_TAG
                return TYPE_HEADER + 4;
            case 3: // ARRAY
                return TYPE_HEADER + 12;
            case 4: // STRUCT
            case 5: // UNION
            case 19: // ENUM64
            case 15: // DATASEC
                return TYPE_HEADER + 12L * vlen;
            case 6: // ENUM
            case 13: // FUNC_PROTO
                return TYPE_HEADER + 8L * vlen;
            case 2: case 7: case 8: case 9: case 10: case 11: case 12: case 16: case 18:
                return TYPE_HEADER;
            default:
                return -1;
        }
    }

    /** Two passes over the type headers: count, then record offsets into an exactly-sized array. */
    private int[] indexTypes() {
        ByteBuffer d = data;
        int end = typeStart + typeLen;
        int n = 0;
        for (int pos = typeStart; pos < end; n++) {
            if (end - pos < TYPE_HEADER) {
                throw error(pos, "truncated type #" + (firstId + n) + ": " + (end - pos) + " bytes left");
            }
            long size = typeSize(d, pos);
            if (size < 0) {
                throw error(pos, "type #" + (firstId + n) + " has unknown kind " + ((d.getInt(pos + 4) >>> 24) & 0x1f));
            }
            if (size > end - pos) {
                int info = d.getInt(pos + 4);
                throw error(pos, "type #" + (firstId + n) + " (" + BtfKind.of((info >>> 24) & 0x1f) + ", vlen "
                        + (info & 0xffff) + ") extends past the end of the type section");
            }
            pos += (int) size;
        }
        if (firstId + (long) n >= Integer.MAX_VALUE) {
            throw error(typeStart, "too many types");
        }
        int[] offs = new int[n + 1];
        int pos = typeStart;
        for (int i = 0; i < n; i++) {
            offs[i] = pos;
            pos += (int) typeSize(d, pos);
        }
        offs[n] = end;
        return offs;
    }

    // ---------------------------------------------------------------- identity

    /** The file (or object) this BTF came from, for messages. */
    public String file() {
        return file;
    }

    /** The base BTF of a split BTF, empty for a base. */
    public Optional<Btf> base() {
        return Optional.ofNullable(base);
    }

    /** The first id defined by this blob: 1 for a base, base's next id for split BTF. */
    public int firstTypeId() {
        return firstId;
    }

    /** One more than the highest valid type id (ids are 0 (void) .. nextTypeId()-1). */
    public int nextTypeId() {
        return firstId + localCount();
    }

    /** Number of types defined by this blob itself (not its base; not void). */
    public int localCount() {
        return offsets.length - 1;
    }

    /** Size of the string section including those of the bases: the first string offset split BTF may use. */
    public int stringsEnd() {
        return strBase + strLen;
    }

    /** Start of this blob's own strings in the combined string offset space (0 for a base). */
    public int stringsBase() {
        return strBase;
    }

    // ---------------------------------------------------------------- raw access

    /** This blob's type section bytes, read-only. */
    public ByteBuffer rawTypes() {
        return data.asReadOnlyBuffer().slice(typeStart, typeLen).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** This blob's string section bytes, read-only. */
    public ByteBuffer rawStrings() {
        return data.asReadOnlyBuffer().slice(strStart, strLen).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The encoded bytes of one local type (header + kind data), read-only. */
    public ByteBuffer rawType(int id) {
        Btf owner = owner(id);
        int i = id - owner.firstId;
        int at = owner.offsets[i];
        return owner.data.asReadOnlyBuffer().slice(at, owner.offsets[i + 1] - at).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The BTF blob as given (header + sections), read-only. */
    public ByteBuffer rawBytes() {
        return data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    // ---------------------------------------------------------------- strings

    /** The string at {@code offset} in the (combined, for split BTF) string section. */
    public String string(int offset) {
        if (offset == 0) {
            return "";
        }
        if (Integer.compareUnsigned(offset, strBase) < 0) {
            return base.string(offset);
        }
        long rel = Integer.toUnsignedLong(offset) - strBase;
        if (rel >= strLen) {
            throw error(strStart, "string offset " + Integer.toUnsignedString(offset) + " outside the "
                    + stringsEnd() + "-byte string section");
        }
        int start = strStart + (int) rel;
        int end = start;
        int lim = strStart + strLen;
        while (end < lim && data.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - start];
        data.get(start, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Whether the string at {@code offset} equals {@code utf8}, without allocating. */
    private boolean stringEquals(int offset, byte[] utf8) {
        if (Integer.compareUnsigned(offset, strBase) < 0) {
            return base.stringEquals(offset, utf8);
        }
        long rel = Integer.toUnsignedLong(offset) - strBase;
        if (rel >= strLen || rel + utf8.length >= strLen) {
            return false;
        }
        int start = strStart + (int) rel;
        for (int i = 0; i < utf8.length; i++) {
            if (data.get(start + i) != utf8[i]) {
                return false;
            }
        }
        return data.get(start + utf8.length) == 0;
    }

    // ---------------------------------------------------------------- types without decoding

    private Btf owner(int id) {
        Btf b = this;
        while (b != null) {
            if (id >= b.firstId && id < b.firstId + b.localCount()) {
                return b;
            }
            b = b.base;
        }
        throw error(-1, "type id " + id + " out of range [1, " + nextTypeId() + ")");
    }

    private int info(int id) {
        Btf o = owner(id);
        return o.data.getInt(o.offsets[id - o.firstId] + 4);
    }

    /** Whether {@code id} is a valid type id here (0 = void included). */
    public boolean hasType(int id) {
        return id >= 0 && id < nextTypeId();
    }

    /** The kind of type {@code id}; {@link BtfKind#UNKNOWN} for void (id 0). */
    public BtfKind kind(int id) {
        if (id == 0) {
            return BtfKind.UNKNOWN;
        }
        return BtfKind.of((info(id) >>> 24) & 0x1f);
    }

    /** The name of type {@code id} ("" when anonymous, "void" for 0). */
    public String typeName(int id) {
        if (id == 0) {
            return "void";
        }
        Btf o = owner(id);
        return o.string(o.data.getInt(o.offsets[id - o.firstId]));
    }

    /** The name offset of type {@code id} in the string section. */
    public int nameOffset(int id) {
        if (id == 0) {
            return 0;
        }
        Btf o = owner(id);
        return o.data.getInt(o.offsets[id - o.firstId]);
    }

    /** {@code vlen}: number of members/params/enumerators/vars of type {@code id}. */
    public int vlen(int id) {
        return id == 0 ? 0 : info(id) & 0xffff;
    }

    /** The kind_flag bit of type {@code id}. */
    public boolean kindFlag(int id) {
        return id != 0 && info(id) < 0;
    }

    /**
     * The type that {@code id} refers to through its size/type field: for PTR, TYPEDEF, VOLATILE, CONST,
     * RESTRICT, TYPE_TAG, FUNC, VAR and DECL_TAG; for ARRAY its element type. -1 for other kinds.
     */
    public int referencedType(int id) {
        if (id == 0) {
            return -1;
        }
        Btf o = owner(id);
        int at = o.offsets[id - o.firstId];
        switch (kind(id)) {
            case PTR: case TYPEDEF: case VOLATILE: case CONST: case RESTRICT: case TYPE_TAG: case FUNC:
            case VAR: case DECL_TAG:
                return o.data.getInt(at + 8);
            case ARRAY:
                return o.data.getInt(at + TYPE_HEADER);
            default:
                return -1;
        }
    }

    // ---------------------------------------------------------------- decoding

    /** Decodes type {@code id}. Throws {@link BpfObjectException} for an id out of range or a bad string. */
    public BtfType type(int id) {
        if (id == 0) {
            return new BtfType.Void();
        }
        Btf o = owner(id);
        int at = o.offsets[id - o.firstId];
        int vlen = o.data.getInt(at + 4) & 0xffff;
        if (vlen < CACHED_MIN_VLEN) {
            return o.decode(id, at);
        }
        // Structs, unions and enums with many members: CO-RE looks the same kernel structs up for
        // every object a process loads (task_struct has ~250 members), and vmlinux BTF lives as
        // long as the process. Decoded types are immutable records.
        BtfType cached = o.decodedComposites.get(id);
        if (cached == null) {
            cached = o.decode(id, at);
            o.decodedComposites.putIfAbsent(id, cached);
        }
        return cached;
    }

    /** Types with at least this many members/parameters/values are kept once decoded. */
    private static final int CACHED_MIN_VLEN = 8;
    private final java.util.concurrent.ConcurrentHashMap<Integer, BtfType> decodedComposites =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Decodes type {@code id} expecting a particular record class. */
    public <T extends BtfType> T type(int id, Class<T> expected) {
        BtfType t = type(id);
        if (!expected.isInstance(t)) {
            throw error(-1, "type #" + id + " is " + t.kind() + ", expected " + expected.getSimpleName());
        }
        return expected.cast(t);
    }

    private BtfType decode(int id, int at) {
        ByteBuffer d = data;
        String name = string(d.getInt(at));
        int info = d.getInt(at + 4);
        int kind = (info >>> 24) & 0x1f;
        int vlen = info & 0xffff;
        boolean kflag = info < 0;
        int sizeOrType = d.getInt(at + 8);
        int p = at + TYPE_HEADER;
        switch (kind) {
            case 1: {
                int v = d.getInt(p);
                return new BtfType.Int(id, name, sizeOrType, (v >>> 24) & 0xf, (v >>> 16) & 0xff, v & 0xff);
            }
            case 2:
                return new BtfType.Ptr(id, name, sizeOrType);
            case 3:
                return new BtfType.Array(id, name, d.getInt(p), d.getInt(p + 4), d.getInt(p + 8));
            case 4:
            case 5: {
                List<BtfType.Member> ms = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++, p += 12) {
                    int off = d.getInt(p + 8);
                    int bitOff = kflag ? off & 0xffffff : off;
                    int bitSize = kflag ? off >>> 24 : 0;
                    ms.add(new BtfType.Member(string(d.getInt(p)), d.getInt(p + 4), bitOff, bitSize));
                }
                return kind == 4 ? new BtfType.Struct(id, name, sizeOrType, kflag, ms)
                        : new BtfType.Union(id, name, sizeOrType, kflag, ms);
            }
            case 6: {
                List<BtfType.EnumValue> vs = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++, p += 8) {
                    int v = d.getInt(p + 4);
                    vs.add(new BtfType.EnumValue(string(d.getInt(p)), kflag ? v : Integer.toUnsignedLong(v)));
                }
                return new BtfType.Enum(id, name, sizeOrType, kflag, vs);
            }
            case 19: {
                List<BtfType.EnumValue> vs = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++, p += 12) {
                    long v = Integer.toUnsignedLong(d.getInt(p + 4)) | ((long) d.getInt(p + 8) << 32);
                    vs.add(new BtfType.EnumValue(string(d.getInt(p)), v));
                }
                return new BtfType.Enum64(id, name, sizeOrType, kflag, vs);
            }
            case 7:
                return new BtfType.Fwd(id, name, kflag);
            case 8:
                return new BtfType.Typedef(id, name, sizeOrType);
            case 9:
                return new BtfType.Volatile(id, name, sizeOrType);
            case 10:
                return new BtfType.Const(id, name, sizeOrType);
            case 11:
                return new BtfType.Restrict(id, name, sizeOrType);
            case 12: {
                if (vlen > 2) {
                    throw error(at, "FUNC #" + id + " " + name + " has unknown linkage " + vlen);
                }
                return new BtfType.Func(id, name, sizeOrType, BtfType.FuncLinkage.values()[vlen]);
            }
            case 13: {
                List<BtfType.Param> ps = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++, p += 8) {
                    ps.add(new BtfType.Param(string(d.getInt(p)), d.getInt(p + 4)));
                }
                return new BtfType.FuncProto(id, name, sizeOrType, ps);
            }
            case 14: {
                int linkage = d.getInt(p);
                if (linkage < 0 || linkage > 2) {
                    throw error(p, "VAR #" + id + " " + name + " has unknown linkage " + linkage);
                }
                return new BtfType.Var(id, name, sizeOrType, BtfType.VarLinkage.values()[linkage]);
            }
            case 15: {
                List<BtfType.VarSecInfo> vs = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++, p += 12) {
                    vs.add(new BtfType.VarSecInfo(d.getInt(p), d.getInt(p + 4), d.getInt(p + 8)));
                }
                return new BtfType.Datasec(id, name, sizeOrType, vs);
            }
            case 16:
                return new BtfType.Float(id, name, sizeOrType);
            case 17:
                return new BtfType.DeclTag(id, name, sizeOrType, d.getInt(p));
            case 18:
                return new BtfType.TypeTag(id, name, sizeOrType);
            default:
                throw error(at, "type #" + id + " has unknown kind " + kind);
        }
    }

    /** All types of this blob (not its base), decoded. Meant for small (object) BTF. */
    public List<BtfType> localTypes() {
        List<BtfType> out = new ArrayList<>(localCount());
        for (int id = firstId; id < nextTypeId(); id++) {
            out.add(type(id));
        }
        return out;
    }

    // ---------------------------------------------------------------- lookups

    /**
     * Ids of every type named {@code name} of kind {@code kind} (null kind: any kind), base first,
     * ascending. Empty array when none.
     */
    public int[] findByName(String name, BtfKind kind) {
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        int[] fromBase = base == null ? new int[0] : base.findByName(name, kind);
        NameIndex idx = nameIndex();
        int h = hash(utf8, 0, utf8.length) & idx.mask;
        int[] found = null;
        int count = 0;
        for (int i = idx.head[h]; i != 0; i = idx.next[i - 1]) {
            int at = offsets[i - 1];
            int info = data.getInt(at + 4);
            if (kind != null && ((info >>> 24) & 0x1f) != kind.value()) {
                continue;
            }
            if (!stringEquals(data.getInt(at), utf8)) {
                continue;
            }
            if (found == null) {
                found = new int[4];
            } else if (count == found.length) {
                found = Arrays.copyOf(found, count * 2);
            }
            found[count++] = firstId + i - 1;
        }
        if (count == 0) {
            return fromBase;
        }
        // Chains hold ids in descending order; callers want ascending.
        int[] out = new int[fromBase.length + count];
        System.arraycopy(fromBase, 0, out, 0, fromBase.length);
        for (int i = 0; i < count; i++) {
            out[fromBase.length + i] = found[count - 1 - i];
        }
        return out;
    }

    /** The single type named {@code name} of {@code kind}, the lowest id when there are several. */
    public Optional<Integer> findFirst(String name, BtfKind kind) {
        int[] ids = findByName(name, kind);
        return ids.length == 0 ? Optional.empty() : Optional.of(ids[0]);
    }

    /** Like {@link #findFirst} but decoded and failing with a clear message when absent. */
    public BtfType typeByName(String name, BtfKind kind) {
        int[] ids = findByName(name, kind);
        if (ids.length == 0) {
            throw error(-1, "no " + (kind == null ? "type" : kind) + " named '" + name + "' in BTF");
        }
        return type(ids[0]);
    }

    private static final class NameIndex {
        final int mask;
        /** Bucket -> (local index + 1) of the last type in the chain, 0 = empty. */
        final int[] head;
        /** (local index) -> (local index + 1) of the next type in the chain. */
        final int[] next;

        NameIndex(int mask, int[] head, int[] next) {
            this.mask = mask;
            this.head = head;
            this.next = next;
        }
    }

    private NameIndex nameIndex() {
        NameIndex idx = nameIndex;
        if (idx == null) {
            synchronized (this) {
                idx = nameIndex;
                if (idx == null) {
                    idx = buildNameIndex();
                    nameIndex = idx;
                }
            }
        }
        return idx;
    }

    private NameIndex buildNameIndex() {
        int n = localCount();
        // About one bucket per one to two types: short chains, and half the memory of a power of two above n.
        int buckets = Integer.highestOneBit(Math.max(16, n));
        int mask = buckets - 1;
        int[] head = new int[buckets];
        int[] next = new int[n];
        ByteBuffer d = data;
        int lim = strStart + strLen;
        // Hash each distinct name offset once: consecutive types often share names rarely, but
        // remember the last to skip the common anonymous (offset 0) case cheaply.
        for (int i = 0; i < n; i++) {
            int nameOff = d.getInt(offsets[i]);
            if (nameOff == 0) {
                continue;
            }
            int h;
            if (Integer.compareUnsigned(nameOff, strBase) < 0) {
                h = base.hashOfString(nameOff);
            } else {
                long rel = Integer.toUnsignedLong(nameOff) - strBase;
                if (rel >= strLen) {
                    continue; // invalid; type(id) reports it when decoded
                }
                h = hashAt(strStart + (int) rel, lim);
            }
            int b = h & mask;
            next[i] = head[b];
            head[b] = i + 1;
        }
        return new NameIndex(mask, head, next);
    }

    private int hashOfString(int offset) {
        if (Integer.compareUnsigned(offset, strBase) < 0) {
            return base.hashOfString(offset);
        }
        long rel = Integer.toUnsignedLong(offset) - strBase;
        return hashAt(strStart + (int) Math.min(rel, strLen), strStart + strLen);
    }

    /** FNV-1a of the NUL-terminated string at absolute position {@code start}, reading no further than {@code lim}. */
    private int hashAt(int start, int lim) {
        int hh = 0x811c9dc5;
        if (array != null) {
            // Heap blobs (the common case for sysfs): index the array directly, without per-byte bounds checks.
            byte[] a = array;
            for (int p = arrayOffset + start, end = arrayOffset + lim; p < end; p++) {
                byte c = a[p];
                if (c == 0) {
                    break;
                }
                hh = (hh ^ c) * 0x01000193;
            }
            return hh;
        }
        for (int p = start; p < lim; p++) {
            byte c = data.get(p);
            if (c == 0) {
                break;
            }
            hh = (hh ^ c) * 0x01000193;
        }
        return hh;
    }

    private static int hash(byte[] b, int from, int to) {
        int hh = 0x811c9dc5;
        for (int i = from; i < to; i++) {
            hh = (hh ^ b[i]) * 0x01000193;
        }
        return hh;
    }

    // ---------------------------------------------------------------- resolution

    /** Follows CONST, VOLATILE, RESTRICT, TYPE_TAG and TYPEDEF to the underlying type id. */
    public int skipModifiers(int id) {
        return skip(id, true);
    }

    /** Follows CONST, VOLATILE, RESTRICT and TYPE_TAG but stops at a TYPEDEF. */
    public int skipQualifiers(int id) {
        return skip(id, false);
    }

    private int skip(int id, boolean typedefs) {
        int cur = id;
        for (int depth = 0; depth <= MAX_RESOLVE_DEPTH; depth++) {
            BtfKind k = kind(cur);
            if (k == BtfKind.CONST || k == BtfKind.VOLATILE || k == BtfKind.RESTRICT || k == BtfKind.TYPE_TAG
                    || (typedefs && k == BtfKind.TYPEDEF)) {
                cur = referencedType(cur);
            } else {
                return cur;
            }
        }
        throw error(-1, "type #" + id + ": modifier chain longer than " + MAX_RESOLVE_DEPTH + " (a reference cycle?)");
    }

    /** Size in bytes of type {@code id}: what {@code sizeof} gives in C. */
    public long sizeOf(int id) {
        int cur = id;
        long nelems = 1;
        for (int depth = 0; depth <= MAX_RESOLVE_DEPTH; depth++) {
            BtfKind k = kind(cur);
            switch (k) {
                case INT: case STRUCT: case UNION: case ENUM: case ENUM64: case FLOAT: case DATASEC: {
                    Btf o = owner(cur);
                    long size = Integer.toUnsignedLong(o.data.getInt(o.offsets[cur - o.firstId] + 8));
                    long total = nelems * size;
                    if (size != 0 && total / size != nelems || total > 0xffffffffL) {
                        throw error(-1, "type #" + id + ": size overflows 32 bits");
                    }
                    return total;
                }
                case PTR:
                    return nelems * POINTER_SIZE;
                case TYPEDEF: case VOLATILE: case CONST: case RESTRICT: case TYPE_TAG: case VAR: case DECL_TAG:
                    cur = referencedType(cur);
                    break;
                case ARRAY: {
                    Btf o = owner(cur);
                    long n = Integer.toUnsignedLong(o.data.getInt(o.offsets[cur - o.firstId] + TYPE_HEADER + 8));
                    nelems *= n;
                    if (nelems > 0xffffffffL) {
                        throw error(-1, "type #" + id + ": array size overflows 32 bits");
                    }
                    cur = referencedType(cur);
                    break;
                }
                default:
                    throw error(-1, "type #" + id + " (" + kind(id) + " " + typeName(id) + ") has no size: resolves to "
                            + k + " #" + cur);
            }
        }
        throw error(-1, "type #" + id + ": chain longer than " + MAX_RESOLVE_DEPTH + " (a reference cycle?)");
    }

    /** Alignment in bytes of type {@code id}, as the C compiler laid it out (1 for packed structs). */
    public int alignOf(int id) {
        return alignOf(id, 0);
    }

    private int alignOf(int id, int depth) {
        if (depth > MAX_RESOLVE_DEPTH) {
            throw error(-1, "type #" + id + ": nesting deeper than " + MAX_RESOLVE_DEPTH + " (a reference cycle?)");
        }
        BtfKind k = kind(id);
        switch (k) {
            case INT: case ENUM: case ENUM64: case FLOAT: {
                long size = sizeOf(id);
                return (int) Math.max(1, Math.min(POINTER_SIZE, size));
            }
            case PTR:
                return POINTER_SIZE;
            case TYPEDEF: case VOLATILE: case CONST: case RESTRICT: case TYPE_TAG: case VAR: case ARRAY:
                return alignOf(referencedType(id), depth + 1);
            case STRUCT: case UNION: {
                BtfType t = type(id);
                List<BtfType.Member> ms = t instanceof BtfType.Struct ? ((BtfType.Struct) t).members()
                        : ((BtfType.Union) t).members();
                int max = 1;
                for (BtfType.Member m : ms) {
                    int a = alignOf(m.type(), depth + 1);
                    if (m.bitfieldSize() == 0 && m.bitOffset() % (8 * a) != 0) {
                        return 1; // packed: a member sits below its natural alignment
                    }
                    max = Math.max(max, a);
                }
                long size = sizeOf(id);
                return size % max != 0 ? 1 : max;
            }
            default:
                throw error(-1, "type #" + id + " (" + k + ") has no alignment");
        }
    }

    private BpfObjectException error(long offset, String problem) {
        return new BpfObjectException(file, section, offset, problem);
    }

    @Override
    public String toString() {
        return "Btf[" + (file == null ? "<memory>" : file) + ", ids " + firstId + ".." + (nextTypeId() - 1) + "]";
    }
}
