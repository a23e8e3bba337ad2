package dev.bpflux.sys;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@code union bpf_attr} for one bpf(2) command, in off-heap memory, zeroed, freed by
 * {@link #close()}. One nested class per command (or family of commands sharing a struct) with
 * setters at the offsets of linux/bpf.h; each sends only the bytes of its own struct.
 *
 * <p>Why the size matters: the kernel copies {@code size} bytes and rejects, with E2BIG, any
 * non-zero byte past the union it knows. Sending a struct's own size (with zero padding) works on
 * every kernel that has the command; a field added later only reaches old kernels when set,
 * where E2BIG then means "kernel too old for this feature".
 *
 * <p>Strings the attr points at (pin paths, tracepoint names, the license) are copied into memory
 * the attr owns and frees with it; buffers passed as {@link Pointer} stay the caller's.
 */
public abstract class BpfAttr implements AutoCloseable {
    /** BPF_OBJ_NAME_LEN: map and program names are 16 bytes including the NUL. */
    public static final int OBJ_NAME_LEN = 16;

    private final BpfCommand command;
    private final int size;
    private final Memory memory;
    private List<Memory> owned;

    protected BpfAttr(BpfCommand command, int size) {
        this.command = command;
        this.size = size;
        this.memory = new Memory(size);
        memory.clear();
    }

    /** The command this attr is for. */
    public BpfCommand command() {
        return command;
    }

    /** Bytes passed to bpf(2). */
    public int size() {
        return size;
    }

    /** The attr's memory. */
    public Pointer pointer() {
        return memory;
    }

    /** A copy of the attr's bytes (tests compare them with linux/bpf.h offsets). */
    public byte[] bytes() {
        return memory.getByteArray(0, size);
    }

    protected final void u32(int offset, int value) {
        memory.setInt(offset, value);
    }

    protected final void u64(int offset, long value) {
        memory.setLong(offset, value);
    }

    protected final void ptr(int offset, Pointer p) {
        memory.setLong(offset, p == null ? 0 : Pointer.nativeValue(p));
    }

    protected final int readU32(int offset) {
        return memory.getInt(offset);
    }

    protected final long readU64(int offset) {
        return memory.getLong(offset);
    }

    /** Writes {@code name} into a char[16] at {@code offset}, truncated to 15 bytes. */
    protected final void objName(int offset, String name) {
        if (name == null) {
            return;
        }
        byte[] b = name.getBytes(StandardCharsets.US_ASCII);
        memory.write(offset, b, 0, Math.min(b.length, OBJ_NAME_LEN - 1));
    }

    /** Copies a NUL-terminated string into attr-owned memory and stores its address at {@code offset}. */
    protected final void string(int offset, String s) {
        if (s == null) {
            u64(offset, 0);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        Memory m = new Memory(b.length + 1L);
        m.write(0, b, 0, b.length);
        m.setByte(b.length, (byte) 0);
        if (owned == null) {
            owned = new ArrayList<>(2);
        }
        owned.add(m);
        ptr(offset, m);
    }

    @Override
    public void close() {
        memory.close();
        if (owned != null) {
            owned.forEach(Memory::close);
            owned = null;
        }
    }

    /**
     * BPF_MAP_CREATE. <pre>
     *  0 u32 map_type        4 u32 key_size       8 u32 value_size     12 u32 max_entries
     * 16 u32 map_flags      20 u32 inner_map_fd  24 u32 numa_node      28 char map_name[16]
     * 44 u32 map_ifindex    48 u32 btf_fd        52 u32 btf_key_type_id 56 u32 btf_value_type_id
     * 60 u32 btf_vmlinux_value_type_id           64 u64 map_extra (5.16)  = 72 bytes
     * </pre>
     */
    public static final class MapCreate extends BpfAttr {
        public MapCreate() {
            super(BpfCommand.BPF_MAP_CREATE, 72);
        }

        public MapCreate mapType(int v) { u32(0, v); return this; }
        public MapCreate keySize(int v) { u32(4, v); return this; }
        public MapCreate valueSize(int v) { u32(8, v); return this; }
        public MapCreate maxEntries(int v) { u32(12, v); return this; }
        public MapCreate mapFlags(int v) { u32(16, v); return this; }
        public MapCreate innerMapFd(int v) { u32(20, v); return this; }
        public MapCreate numaNode(int v) { u32(24, v); return this; }
        public MapCreate mapName(String v) { objName(28, v); return this; }
        public MapCreate mapIfindex(int v) { u32(44, v); return this; }
        public MapCreate btfFd(int v) { u32(48, v); return this; }
        public MapCreate btfKeyTypeId(int v) { u32(52, v); return this; }
        public MapCreate btfValueTypeId(int v) { u32(56, v); return this; }
        public MapCreate btfVmlinuxValueTypeId(int v) { u32(60, v); return this; }
        public MapCreate mapExtra(long v) { u64(64, v); return this; }
    }

    /**
     * BPF_MAP_LOOKUP_ELEM, UPDATE_ELEM, DELETE_ELEM, GET_NEXT_KEY, LOOKUP_AND_DELETE_ELEM.
     * <pre> 0 u32 map_fd   8 u64 key   16 u64 value | next_key   24 u64 flags  = 32 bytes</pre>
     */
    public static final class MapElem extends BpfAttr {
        public MapElem(BpfCommand command) {
            super(command, 32);
        }

        public MapElem mapFd(int v) { u32(0, v); return this; }
        public MapElem key(Pointer v) { ptr(8, v); return this; }
        public MapElem value(Pointer v) { ptr(16, v); return this; }
        public MapElem nextKey(Pointer v) { ptr(16, v); return this; }
        public MapElem flags(long v) { u64(24, v); return this; }
    }

    /** BPF_MAP_FREEZE (5.2): <pre> 0 u32 map_fd  = 4 bytes</pre> */
    public static final class MapFreeze extends BpfAttr {
        public MapFreeze() {
            super(BpfCommand.BPF_MAP_FREEZE, 4);
        }

        public MapFreeze mapFd(int v) { u32(0, v); return this; }
    }

    /**
     * BPF_MAP_LOOKUP_BATCH, LOOKUP_AND_DELETE_BATCH, UPDATE_BATCH, DELETE_BATCH (5.6). <pre>
     *  0 u64 in_batch   8 u64 out_batch  16 u64 keys  24 u64 values
     * 32 u32 count (in/out)  36 u32 map_fd  40 u64 elem_flags  48 u64 flags  = 56 bytes</pre>
     */
    public static final class MapBatch extends BpfAttr {
        public MapBatch(BpfCommand command) {
            super(command, 56);
        }

        public MapBatch inBatch(Pointer v) { ptr(0, v); return this; }
        public MapBatch outBatch(Pointer v) { ptr(8, v); return this; }
        public MapBatch keys(Pointer v) { ptr(16, v); return this; }
        public MapBatch values(Pointer v) { ptr(24, v); return this; }
        public MapBatch count(int v) { u32(32, v); return this; }
        public MapBatch mapFd(int v) { u32(36, v); return this; }
        public MapBatch elemFlags(long v) { u64(40, v); return this; }
        public MapBatch flags(long v) { u64(48, v); return this; }

        /** Elements the kernel processed (output; valid after ENOENT too). */
        public int count() { return readU32(32); }
    }

    /**
     * BPF_PROG_LOAD. <pre>
     *   0 u32 prog_type        4 u32 insn_cnt          8 u64 insns          16 u64 license
     *  24 u32 log_level       28 u32 log_size         32 u64 log_buf        40 u32 kern_version
     *  44 u32 prog_flags      48 char prog_name[16]   64 u32 prog_ifindex   68 u32 expected_attach_type
     *  72 u32 prog_btf_fd     76 u32 func_info_rec_size  80 u64 func_info   88 u32 func_info_cnt
     *  92 u32 line_info_rec_size  96 u64 line_info   104 u32 line_info_cnt 108 u32 attach_btf_id
     * 112 u32 attach_prog_fd | attach_btf_obj_fd     116 u32 core_relo_cnt 120 u64 fd_array
     * 128 u64 core_relos     136 u32 core_relo_rec_size  140 u32 log_true_size (6.4, output) = 144 bytes
     * </pre>
     * log_true_size is an output the kernel fills from 6.4; older kernels see zero bytes there and accept.
     */
    public static final class ProgLoad extends BpfAttr {
        public ProgLoad() {
            super(BpfCommand.BPF_PROG_LOAD, 144);
        }

        public ProgLoad progType(int v) { u32(0, v); return this; }
        public ProgLoad insns(Pointer v, int count) { ptr(8, v); u32(4, count); return this; }
        public ProgLoad license(String v) { string(16, v); return this; }
        public ProgLoad log(Pointer buf, int size, int level) { ptr(32, buf); u32(28, size); u32(24, level); return this; }
        public ProgLoad kernVersion(int v) { u32(40, v); return this; }
        public ProgLoad progFlags(int v) { u32(44, v); return this; }
        public ProgLoad progName(String v) { objName(48, v); return this; }
        public ProgLoad progIfindex(int v) { u32(64, v); return this; }
        public ProgLoad expectedAttachType(int v) { u32(68, v); return this; }
        public ProgLoad progBtfFd(int v) { u32(72, v); return this; }
        public ProgLoad funcInfo(Pointer v, int recSize, int count) { ptr(80, v); u32(76, recSize); u32(88, count); return this; }
        public ProgLoad lineInfo(Pointer v, int recSize, int count) { ptr(96, v); u32(92, recSize); u32(104, count); return this; }
        public ProgLoad attachBtfId(int v) { u32(108, v); return this; }
        public ProgLoad attachProgFd(int v) { u32(112, v); return this; }
        public ProgLoad attachBtfObjFd(int v) { u32(112, v); return this; }
        public ProgLoad fdArray(Pointer v) { ptr(120, v); return this; }
        public ProgLoad coreRelos(Pointer v, int recSize, int count) { ptr(128, v); u32(136, recSize); u32(116, count); return this; }

        /** Log bytes the verifier wanted (6.4+; 0 on older kernels). */
        public int logTrueSize() { return readU32(140); }
    }

    /**
     * BPF_OBJ_PIN, BPF_OBJ_GET (4.4). <pre> 0 u64 pathname  8 u32 bpf_fd  12 u32 file_flags  = 16 bytes</pre>
     */
    public static final class Obj extends BpfAttr {
        public Obj(BpfCommand command) {
            super(command, 16);
        }

        public Obj pathname(String v) { string(0, v); return this; }
        public Obj bpfFd(int v) { u32(8, v); return this; }
        public Obj fileFlags(int v) { u32(12, v); return this; }
    }

    /**
     * BPF_PROG_ATTACH, BPF_PROG_DETACH (4.10). <pre>
     *  0 u32 target_fd  4 u32 attach_bpf_fd  8 u32 attach_type  12 u32 attach_flags
     * 16 u32 replace_bpf_fd (5.6)  = 20 bytes</pre>
     */
    public static final class ProgAttach extends BpfAttr {
        public ProgAttach(BpfCommand command) {
            super(command, 20);
        }

        public ProgAttach targetFd(int v) { u32(0, v); return this; }
        public ProgAttach attachBpfFd(int v) { u32(4, v); return this; }
        public ProgAttach attachType(int v) { u32(8, v); return this; }
        public ProgAttach attachFlags(int v) { u32(12, v); return this; }
        public ProgAttach replaceBpfFd(int v) { u32(16, v); return this; }
    }

    /**
     * BPF_PROG_TEST_RUN (4.12). <pre>
     *  0 u32 prog_fd       4 u32 retval (out)   8 u32 data_size_in   12 u32 data_size_out (in/out)
     * 16 u64 data_in      24 u64 data_out      32 u32 repeat        36 u32 duration (out)
     * 40 u32 ctx_size_in  44 u32 ctx_size_out  48 u64 ctx_in        56 u64 ctx_out
     * 64 u32 flags        68 u32 cpu           72 u32 batch_size (5.18)  = 76 bytes</pre>
     */
    public static final class ProgTestRun extends BpfAttr {
        public ProgTestRun() {
            super(BpfCommand.BPF_PROG_TEST_RUN, 76);
        }

        public ProgTestRun progFd(int v) { u32(0, v); return this; }
        public ProgTestRun dataIn(Pointer v, int size) { ptr(16, v); u32(8, size); return this; }
        public ProgTestRun dataOut(Pointer v, int size) { ptr(24, v); u32(12, size); return this; }
        public ProgTestRun repeat(int v) { u32(32, v); return this; }
        public ProgTestRun ctxIn(Pointer v, int size) { ptr(48, v); u32(40, size); return this; }
        public ProgTestRun ctxOut(Pointer v, int size) { ptr(56, v); u32(44, size); return this; }
        public ProgTestRun flags(int v) { u32(64, v); return this; }
        public ProgTestRun cpu(int v) { u32(68, v); return this; }

        public int retval() { return readU32(4); }
        public int dataSizeOut() { return readU32(12); }
        public int duration() { return readU32(36); }
        public int ctxSizeOut() { return readU32(44); }
    }

    /**
     * BPF_PROG_GET_FD_BY_ID, MAP_GET_FD_BY_ID (4.13), BTF_GET_FD_BY_ID (4.18), LINK_GET_FD_BY_ID (5.8).
     * <pre> 0 u32 id  4 u32 next_id  8 u32 open_flags  = 12 bytes</pre>
     */
    public static final class GetFdById extends BpfAttr {
        public GetFdById(BpfCommand command) {
            super(command, 12);
        }

        public GetFdById id(int v) { u32(0, v); return this; }
        public GetFdById openFlags(int v) { u32(8, v); return this; }
    }

    /** BPF_OBJ_GET_INFO_BY_FD (4.13). <pre> 0 u32 bpf_fd  4 u32 info_len (in/out)  8 u64 info  = 16 bytes</pre> */
    public static final class InfoByFd extends BpfAttr {
        public InfoByFd() {
            super(BpfCommand.BPF_OBJ_GET_INFO_BY_FD, 16);
        }

        public InfoByFd bpfFd(int v) { u32(0, v); return this; }
        public InfoByFd info(Pointer v, int len) { ptr(8, v); u32(4, len); return this; }

        /** Bytes the kernel filled (it never writes more than asked). */
        public int infoLen() { return readU32(4); }
    }

    /** BPF_RAW_TRACEPOINT_OPEN (4.17). <pre> 0 u64 name  8 u32 prog_fd  16 u64 cookie (6.10)  = 24 bytes</pre> */
    public static final class RawTracepointOpen extends BpfAttr {
        public RawTracepointOpen() {
            super(BpfCommand.BPF_RAW_TRACEPOINT_OPEN, 24);
        }

        /** bpf_get_attach_cookie() value (6.10); older kernels reject a non-zero cookie with E2BIG. */
        public RawTracepointOpen cookie(long v) { u64(16, v); return this; }

        /** The tracepoint name; null for tp_btf/fentry/fexit/lsm programs, whose target is in the program. */
        public RawTracepointOpen name(String v) { string(0, v); return this; }
        public RawTracepointOpen progFd(int v) { u32(8, v); return this; }
    }

    /**
     * BPF_BTF_LOAD (4.18). <pre>
     *  0 u64 btf  8 u64 btf_log_buf  16 u32 btf_size  20 u32 btf_log_size  24 u32 btf_log_level
     * 28 u32 btf_log_true_size (6.4, output)  = 32 bytes</pre>
     */
    public static final class BtfLoad extends BpfAttr {
        public BtfLoad() {
            super(BpfCommand.BPF_BTF_LOAD, 32);
        }

        public BtfLoad btf(Pointer v, int size) { ptr(0, v); u32(16, size); return this; }
        public BtfLoad log(Pointer buf, int size, int level) { ptr(8, buf); u32(20, size); u32(24, level); return this; }

        public int logTrueSize() { return readU32(28); }
    }

    /**
     * BPF_LINK_CREATE (5.7). <pre>
     *  0 u32 prog_fd  4 u32 target_fd | target_ifindex  8 u32 attach_type  12 u32 flags
     * 16.. per attach type:
     *   target_btf_id:  16 u32 target_btf_id
     *   perf_event:     16 u64 bpf_cookie (5.15)
     *   tracing:        16 u32 target_btf_id  24 u64 cookie (6.0)
     *   kprobe_multi:   16 u32 flags  20 u32 cnt  24 u64 syms  32 u64 addrs  40 u64 cookies (5.18)
     *   uprobe_multi:   16 u64 path  24 u64 offsets  32 u64 ref_ctr_offsets  40 u64 cookies
     *                   48 u32 cnt  52 u32 flags  56 u32 pid (6.6)
     *   tcx:            16 u32 relative_fd | relative_id  24 u64 expected_revision (6.6)
     * = 64 bytes (the largest tail, uprobe_multi)</pre>
     */
    public static final class LinkCreate extends BpfAttr {
        public LinkCreate() {
            super(BpfCommand.BPF_LINK_CREATE, 64);
        }

        public LinkCreate progFd(int v) { u32(0, v); return this; }
        public LinkCreate targetFd(int v) { u32(4, v); return this; }
        public LinkCreate targetIfindex(int v) { u32(4, v); return this; }
        public LinkCreate attachType(int v) { u32(8, v); return this; }
        public LinkCreate flags(int v) { u32(12, v); return this; }
        public LinkCreate targetBtfId(int v) { u32(16, v); return this; }
        public LinkCreate perfEventCookie(long v) { u64(16, v); return this; }
        public LinkCreate tracingCookie(long v) { u64(24, v); return this; }

        public LinkCreate kprobeMulti(int flags, int count, Pointer syms, Pointer addrs, Pointer cookies) {
            u32(16, flags); u32(20, count); ptr(24, syms); ptr(32, addrs); ptr(40, cookies);
            return this;
        }

        public LinkCreate uprobeMulti(String path, Pointer offsets, Pointer refCtrOffsets, Pointer cookies,
                int count, int flags, int pid) {
            string(16, path); ptr(24, offsets); ptr(32, refCtrOffsets); ptr(40, cookies);
            u32(48, count); u32(52, flags); u32(56, pid);
            return this;
        }

        public LinkCreate tcxRelativeFd(int v) { u32(16, v); return this; }
        public LinkCreate tcxExpectedRevision(long v) { u64(24, v); return this; }
    }

    /** BPF_LINK_DETACH (5.9). <pre> 0 u32 link_fd  = 4 bytes</pre> */
    public static final class LinkDetach extends BpfAttr {
        public LinkDetach() {
            super(BpfCommand.BPF_LINK_DETACH, 4);
        }

        public LinkDetach linkFd(int v) { u32(0, v); return this; }
    }

    /** BPF_PROG_BIND_MAP (5.10). <pre> 0 u32 prog_fd  4 u32 map_fd  8 u32 flags  = 12 bytes</pre> */
    public static final class ProgBindMap extends BpfAttr {
        public ProgBindMap() {
            super(BpfCommand.BPF_PROG_BIND_MAP, 12);
        }

        public ProgBindMap progFd(int v) { u32(0, v); return this; }
        public ProgBindMap mapFd(int v) { u32(4, v); return this; }
    }

    /** BPF_ENABLE_STATS (5.8). <pre> 0 u32 type (BPF_STATS_RUN_TIME = 0)  = 4 bytes</pre> */
    public static final class EnableStats extends BpfAttr {
        public EnableStats() {
            super(BpfCommand.BPF_ENABLE_STATS, 4);
        }

        public EnableStats type(int v) { u32(0, v); return this; }
    }
}
