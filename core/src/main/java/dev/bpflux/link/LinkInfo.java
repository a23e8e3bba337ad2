package dev.bpflux.link;

/**
 * The common head of {@code struct bpf_link_info}: <pre>0 u32 type  4 u32 id  8 u32 prog_id  16 union ...</pre>
 *
 * @param type   {@code enum bpf_link_type}: 1 raw_tracepoint, 2 tracing, 3 cgroup, 6 xdp, 7 perf_event,
 *               8 kprobe_multi, 11 tcx, 12 uprobe_multi
 * @param id     the link's id
 * @param programId the attached program's id
 */
public record LinkInfo(int type, int id, int programId) {
    public static final int TYPE_RAW_TRACEPOINT = 1;
    public static final int TYPE_TRACING = 2;
    public static final int TYPE_CGROUP = 3;
    public static final int TYPE_XDP = 6;
    public static final int TYPE_PERF_EVENT = 7;
    public static final int TYPE_TCX = 11;

    /** Large enough for every variant of the union as of 6.18. */
    static final int SIZE = 128;
}
