package dev.bpflux.prog;

import dev.bpflux.obj.ProgramType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * The kernel's description of a loaded program ({@code struct bpf_prog_info}, BPF_OBJ_GET_INFO_BY_FD,
 * 4.13). Fields an older kernel does not fill read as 0.
 *
 * <pre>
 *   0 u32 type   4 u32 id   8 u8 tag[8]   16 u32 jited_prog_len   20 u32 xlated_prog_len
 *  24 u64 jited_prog_insns  32 u64 xlated_prog_insns  40 u64 load_time  48 u32 created_by_uid
 *  52 u32 nr_map_ids  56 u64 map_ids  64 char name[16]  80 u32 ifindex  84 u32 gpl_compatible:1
 *  88 u64 netns_dev  96 u64 netns_ino  104 u32 nr_jited_ksyms  108 u32 nr_jited_func_lens
 * 112 u64 jited_ksyms  120 u64 jited_func_lens  128 u32 btf_id  132 u32 func_info_rec_size
 * 136 u64 func_info  144 u32 nr_func_info  148 u32 nr_line_info  152 u64 line_info
 * 160 u64 jited_line_info  168 u32 nr_jited_line_info  172 u32 line_info_rec_size
 * 176 u32 jited_line_info_rec_size  180 u32 nr_prog_tags  184 u64 prog_tags  192 u64 run_time_ns
 * 200 u64 run_cnt  208 u64 recursion_misses  216 u32 verified_insns  220 u32 attach_btf_obj_id
 * 224 u32 attach_btf_id  = 232 bytes
 * </pre>
 */
public record ProgramInfo(int typeNumber, int id, String tag, int jitedLength, int xlatedLength, long loadTimeNanos,
        int createdByUid, int[] mapIds, String name, boolean gplCompatible, int btfId, long runTimeNanos,
        long runCount, int verifiedInstructions, int attachBtfObjId, int attachBtfId) {

    static final int SIZE = 232;

    /** The program type, or null for one newer than bpflux knows. */
    public ProgramType type() {
        return ProgramType.of(typeNumber);
    }

    /** Decodes {@code struct bpf_prog_info} bytes; {@code mapIds} were fetched separately. */
    static ProgramInfo parse(byte[] b, int[] mapIds) {
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.nativeOrder());
        byte[] tag = new byte[8];
        buf.get(8, tag);
        int n = 0;
        while (n < 16 && b[64 + n] != 0) {
            n++;
        }
        return new ProgramInfo(buf.getInt(0), buf.getInt(4), HexFormat.of().formatHex(tag), buf.getInt(16),
                buf.getInt(20), buf.getLong(40), buf.getInt(48), mapIds,
                new String(b, 64, n, StandardCharsets.US_ASCII), (buf.getInt(84) & 1) != 0, buf.getInt(128),
                buf.getLong(192), buf.getLong(200), buf.getInt(216), buf.getInt(220), buf.getInt(224));
    }
}
