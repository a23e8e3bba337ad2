package dev.bpflux.sys;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;

/**
 * A {@code struct perf_event_attr} (linux/perf_event.h) in off-heap memory, zeroed, freed by
 * {@link #close()}. Layout:
 * <pre>
 *   0 u32 type          4 u32 size          8 u64 config        16 u64 sample_period | sample_freq
 *  24 u64 sample_type  32 u64 read_format  40 u64 flag bits (disabled:0, inherit:1, ..., freq:10,
 *                                               watermark:14, precise_ip:15-16, sample_id_all:18)
 *  48 u32 wakeup_events | wakeup_watermark   52 u32 bp_type
 *  56 u64 bp_addr | kprobe_func | uprobe_path | config1
 *  64 u64 bp_len | kprobe_addr | probe_offset | config2
 *  72 u64 branch_sample_type  80 u64 sample_regs_user  88 u32 sample_stack_user  92 s32 clockid
 *  96 u64 sample_regs_intr  104 u32 aux_watermark  108 u16 sample_max_stack  112 u32 aux_sample_size
 * 120 u64 sig_data  = 128 bytes (PERF_ATTR_SIZE_VER7, 5.13)
 * </pre>
 * Older kernels accept the larger size as long as the bytes they do not know are zero.
 */
public final class PerfEventAttr implements AutoCloseable {
    public static final int SIZE = 128;

    /** perf_type_id. */
    public static final int PERF_TYPE_HARDWARE = 0;
    public static final int PERF_TYPE_SOFTWARE = 1;
    public static final int PERF_TYPE_TRACEPOINT = 2;
    /** PERF_COUNT_SW_*. */
    public static final int PERF_COUNT_SW_CPU_CLOCK = 0;
    public static final int PERF_COUNT_SW_DUMMY = 9;
    public static final int PERF_COUNT_SW_BPF_OUTPUT = 10;
    /** PERF_SAMPLE_RAW: samples carry the raw bytes a BPF program output. */
    public static final long PERF_SAMPLE_RAW = 1L << 10;
    /** Bits of the flags word at offset 40. */
    public static final long FLAG_DISABLED = 1L;
    public static final long FLAG_INHERIT = 1L << 1;
    public static final long FLAG_FREQ = 1L << 10;
    public static final long FLAG_WATERMARK = 1L << 14;

    private final Memory memory = new Memory(SIZE);
    private Memory string;

    public PerfEventAttr() {
        memory.clear();
        memory.setInt(4, SIZE);
    }

    public Pointer pointer() {
        return memory;
    }

    /** A copy of the bytes (layout tests). */
    public byte[] bytes() {
        return memory.getByteArray(0, SIZE);
    }

    public PerfEventAttr type(int v) { memory.setInt(0, v); return this; }
    public PerfEventAttr config(long v) { memory.setLong(8, v); return this; }
    public PerfEventAttr samplePeriod(long v) { memory.setLong(16, v); return this; }
    public PerfEventAttr sampleType(long v) { memory.setLong(24, v); return this; }
    public PerfEventAttr readFormat(long v) { memory.setLong(32, v); return this; }
    /** Sets (ORs) bits of the flags word, see {@code FLAG_*}. */
    public PerfEventAttr flags(long bits) { memory.setLong(40, memory.getLong(40) | bits); return this; }
    /** wakeup_events, or wakeup_watermark with {@link #FLAG_WATERMARK}. */
    public PerfEventAttr wakeup(int v) { memory.setInt(48, v); return this; }
    public PerfEventAttr config1(long v) { memory.setLong(56, v); return this; }
    public PerfEventAttr config2(long v) { memory.setLong(64, v); return this; }

    /** For kprobe/uprobe PMUs: config1 points at the function name or binary path (owned by this attr). */
    public PerfEventAttr config1String(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (string != null) {
            string.close();
        }
        string = new Memory(b.length + 1L);
        string.write(0, b, 0, b.length);
        string.setByte(b.length, (byte) 0);
        memory.setLong(56, Pointer.nativeValue(string));
        return this;
    }

    @Override
    public void close() {
        memory.close();
        if (string != null) {
            string.close();
            string = null;
        }
    }
}
