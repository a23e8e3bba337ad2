package dev.bpflux.obj.btf;

import dev.bpflux.BpfObjectException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An object's {@code .BTF.ext} section: per ELF section, the func_info, line_info and CO-RE
 * relocation records clang emitted.
 *
 * <p>Layout ({@code struct btf_ext_header}, little-endian): magic 0xeB9F (u16), version 1 (u8), flags
 * (u8), hdr_len (u32), func_info_off, func_info_len, line_info_off, line_info_len (u32 each, relative
 * to the end of the header), and when hdr_len allows, core_relo_off, core_relo_len. Each info block
 * starts with a u32 record size, then per section: sec_name_off (u32, into the .BTF strings),
 * num_info (u32), and num_info records of that size. Records may be larger than the fields bpflux
 * knows (newer clang); the known prefix is read and the rest skipped.
 *
 * <p>Instruction offsets in the file are byte offsets within the ELF section; here they are
 * instruction indexes ({@code byte offset / 8}).
 */
public final class BtfExt {
    /** {@code struct bpf_func_info}: 8 bytes. */
    public static final int FUNC_INFO_SIZE = 8;
    /** {@code struct bpf_line_info}: 16 bytes. */
    public static final int LINE_INFO_SIZE = 16;
    /** {@code struct bpf_core_relo}: 16 bytes. */
    public static final int CORE_RELO_SIZE = 16;

    /**
     * {@code struct bpf_func_info}: the function starting at {@code insnIndex} has BTF FUNC {@code typeId}.
     */
    public record FuncInfo(int insnIndex, int typeId) {
        public FuncInfo withInsnIndex(int index) {
            return new FuncInfo(index, typeId);
        }
    }

    /**
     * {@code struct bpf_line_info}. {@code fileNameOff}/{@code lineOff} are offsets into the object's
     * .BTF strings (the kernel wants them as is); {@code fileName}/{@code line} are those strings.
     * {@code lineCol} is the raw {@code line_col}: line number in the high 22 bits, column in the low 10.
     */
    public record LineInfo(int insnIndex, int fileNameOff, int lineOff, int lineCol, String fileName, String line) {
        public int lineNumber() {
            return lineCol >>> 10;
        }

        public int column() {
            return lineCol & 0x3ff;
        }

        public LineInfo withInsnIndex(int index) {
            return new LineInfo(index, fileNameOff, lineOff, lineCol, fileName, line);
        }
    }

    /**
     * {@code struct bpf_core_relo}: instruction {@code insnIndex} must be adjusted for the target
     * kernel's layout of local type {@code typeId} along {@code accessString} (e.g. "0:1:2").
     */
    public record CoreRelocation(int insnIndex, int typeId, int accessStrOff, String accessString, CoreReloKind kind) {
        public CoreRelocation withInsnIndex(int index) {
            return new CoreRelocation(index, typeId, accessStrOff, accessString, kind);
        }
    }

    private final Map<String, List<FuncInfo>> funcInfos;
    private final Map<String, List<LineInfo>> lineInfos;
    private final Map<String, List<CoreRelocation>> coreRelocations;
    private final int funcInfoRecSize;
    private final int lineInfoRecSize;
    private final int coreReloRecSize;

    private BtfExt(Map<String, List<FuncInfo>> f, Map<String, List<LineInfo>> l,
                   Map<String, List<CoreRelocation>> c, int fs, int ls, int cs) {
        funcInfos = f;
        lineInfos = l;
        coreRelocations = c;
        funcInfoRecSize = fs;
        lineInfoRecSize = ls;
        coreReloRecSize = cs;
    }

    /** An empty BTF.ext (object without one). */
    public static BtfExt empty() {
        return new BtfExt(Map.of(), Map.of(), Map.of(), FUNC_INFO_SIZE, LINE_INFO_SIZE, CORE_RELO_SIZE);
    }

    /**
     * Parses a .BTF.ext section; {@code btf} is the object's .BTF, whose strings name the sections and
     * hold the file names, source lines and CO-RE access strings.
     */
    public static BtfExt parse(ByteBuffer buffer, Btf btf, String file) {
        return new Reader(buffer, btf, file).read();
    }

    /** Parses a .BTF.ext section from bytes. */
    public static BtfExt parse(byte[] bytes, Btf btf, String file) {
        return parse(ByteBuffer.wrap(bytes), btf, file);
    }

    /** func_info records per ELF section name, in file order. */
    public Map<String, List<FuncInfo>> funcInfos() {
        return funcInfos;
    }

    /** line_info records per ELF section name, in file order. */
    public Map<String, List<LineInfo>> lineInfos() {
        return lineInfos;
    }

    /** CO-RE relocation records per ELF section name, in file order. */
    public Map<String, List<CoreRelocation>> coreRelocations() {
        return coreRelocations;
    }

    public List<FuncInfo> funcInfos(String section) {
        return funcInfos.getOrDefault(section, List.of());
    }

    public List<LineInfo> lineInfos(String section) {
        return lineInfos.getOrDefault(section, List.of());
    }

    public List<CoreRelocation> coreRelocations(String section) {
        return coreRelocations.getOrDefault(section, List.of());
    }

    /** Record size of func_info as found in the file. */
    public int funcInfoRecordSize() {
        return funcInfoRecSize;
    }

    /** Record size of line_info as found in the file. */
    public int lineInfoRecordSize() {
        return lineInfoRecSize;
    }

    /** Record size of CO-RE relocations as found in the file. */
    public int coreRelocationRecordSize() {
        return coreReloRecSize;
    }

    private static final class Reader {
        private final ByteBuffer d;
        private final Btf btf;
        private final String file;

        Reader(ByteBuffer buffer, Btf btf, String file) {
            this.d = buffer.slice().order(ByteOrder.LITTLE_ENDIAN);
            this.btf = btf;
            this.file = file;
        }

        BtfExt read() {
            int cap = d.capacity();
            if (cap < 24) {
                throw error(0, "BTF.ext is " + cap + " bytes, shorter than its 24-byte header");
            }
            if (Short.toUnsignedInt(d.getShort(0)) != Btf.MAGIC) {
                throw error(0, "bad BTF.ext magic 0x" + Integer.toHexString(Short.toUnsignedInt(d.getShort(0))));
            }
            if (d.get(2) != 1) {
                throw error(2, "unsupported BTF.ext version " + d.get(2));
            }
            long hdrLen = Integer.toUnsignedLong(d.getInt(4));
            if (hdrLen < 24 || hdrLen > cap) {
                throw error(4, "BTF.ext header length " + hdrLen + " invalid for " + cap + " bytes");
            }
            Map<String, List<FuncInfo>> f = new LinkedHashMap<>();
            Map<String, List<LineInfo>> l = new LinkedHashMap<>();
            Map<String, List<CoreRelocation>> c = new LinkedHashMap<>();
            int fs = block(hdrLen, 8, FUNC_INFO_SIZE, "func_info", (sec, p) ->
                    f.computeIfAbsent(sec, k -> new ArrayList<>()).add(new FuncInfo(insnIndex(p), d.getInt(p + 4))));
            int ls = block(hdrLen, 16, LINE_INFO_SIZE, "line_info", (sec, p) -> {
                int fileOff = d.getInt(p + 4);
                int lineOff = d.getInt(p + 8);
                l.computeIfAbsent(sec, k -> new ArrayList<>()).add(new LineInfo(insnIndex(p), fileOff, lineOff,
                        d.getInt(p + 12), str(fileOff, p), str(lineOff, p)));
            });
            int cs = CORE_RELO_SIZE;
            if (hdrLen >= 32) {
                cs = block(hdrLen, 24, CORE_RELO_SIZE, "core_relo", (sec, p) -> {
                    int accOff = d.getInt(p + 8);
                    int kindVal = d.getInt(p + 12);
                    CoreReloKind kind = CoreReloKind.of(kindVal);
                    if (kind == null) {
                        throw error(p, "CO-RE relocation of unknown kind " + kindVal + " in " + sec);
                    }
                    c.computeIfAbsent(sec, k -> new ArrayList<>()).add(new CoreRelocation(insnIndex(p),
                            d.getInt(p + 4), accOff, str(accOff, p), kind));
                });
            }
            return new BtfExt(freeze(f), freeze(l), freeze(c), fs, ls, cs);
        }

        interface RecordSink {
            void accept(String section, int pos);
        }

        /** Reads one info block whose (off, len) pair is at header offset {@code field}; returns rec size. */
        private int block(long hdrLen, int field, int minRec, String what, RecordSink sink) {
            long off = Integer.toUnsignedLong(d.getInt(field));
            long len = Integer.toUnsignedLong(d.getInt(field + 4));
            if (len == 0) {
                return minRec;
            }
            long start = hdrLen + off;
            long end = start + len;
            if (end > d.capacity()) {
                throw error(field, what + " [" + off + ", +" + len + ") extends past the end of .BTF.ext");
            }
            if (len < 4) {
                throw error(start, what + " block too short for its record size");
            }
            long recSize = Integer.toUnsignedLong(d.getInt((int) start));
            if (recSize < minRec || recSize > 1024 || recSize % 4 != 0) {
                throw error(start, what + " record size " + recSize + " invalid (at least " + minRec + ")");
            }
            long p = start + 4;
            while (p < end) {
                if (end - p < 8) {
                    throw error(p, what + ": truncated section header");
                }
                int secOff = d.getInt((int) p);
                long n = Integer.toUnsignedLong(d.getInt((int) p + 4));
                String sec = str(secOff, p);
                p += 8;
                if (n == 0) {
                    throw error(p - 4, what + " for section " + sec + " has zero records");
                }
                if (n > (end - p) / recSize) {
                    throw error(p - 4, what + " for section " + sec + ": " + n + " records of " + recSize
                            + " bytes exceed the block");
                }
                for (long i = 0; i < n; i++, p += recSize) {
                    sink.accept(sec, (int) p);
                }
            }
            return (int) recSize;
        }

        private int insnIndex(int p) {
            int byteOff = d.getInt(p);
            if (byteOff < 0 || byteOff % 8 != 0) {
                throw error(p, "instruction offset " + Integer.toUnsignedString(byteOff) + " is not a multiple of 8");
            }
            return byteOff / 8;
        }

        private String str(int off, long at) {
            try {
                return btf.string(off);
            } catch (BpfObjectException e) {
                throw error(at, "bad string offset " + Integer.toUnsignedString(off) + ": " + e.getMessage());
            }
        }

        private BpfObjectException error(long offset, String problem) {
            return new BpfObjectException(file, ".BTF.ext", offset, problem);
        }
    }

    private static <T> Map<String, List<T>> freeze(Map<String, List<T>> m) {
        Map<String, List<T>> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, List.copyOf(v)));
        return Collections.unmodifiableMap(out);
    }
}
