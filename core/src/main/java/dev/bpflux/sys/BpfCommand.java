package dev.bpflux.sys;

/**
 * bpf(2) commands ({@code enum bpf_cmd} in linux/bpf.h). The ordinal is NOT used: each constant
 * carries its ABI number, and the kernel version that added it for error hints.
 */
public enum BpfCommand {
    BPF_MAP_CREATE(0, "3.18"),
    BPF_MAP_LOOKUP_ELEM(1, "3.18"),
    BPF_MAP_UPDATE_ELEM(2, "3.18"),
    BPF_MAP_DELETE_ELEM(3, "3.18"),
    BPF_MAP_GET_NEXT_KEY(4, "3.18"),
    BPF_PROG_LOAD(5, "3.18"),
    BPF_OBJ_PIN(6, "4.4"),
    BPF_OBJ_GET(7, "4.4"),
    BPF_PROG_ATTACH(8, "4.10"),
    BPF_PROG_DETACH(9, "4.10"),
    BPF_PROG_TEST_RUN(10, "4.12"),
    BPF_PROG_GET_NEXT_ID(11, "4.13"),
    BPF_MAP_GET_NEXT_ID(12, "4.13"),
    BPF_PROG_GET_FD_BY_ID(13, "4.13"),
    BPF_MAP_GET_FD_BY_ID(14, "4.13"),
    BPF_OBJ_GET_INFO_BY_FD(15, "4.13"),
    BPF_PROG_QUERY(16, "4.15"),
    BPF_RAW_TRACEPOINT_OPEN(17, "4.17"),
    BPF_BTF_LOAD(18, "4.18"),
    BPF_BTF_GET_FD_BY_ID(19, "4.18"),
    BPF_TASK_FD_QUERY(20, "4.18"),
    BPF_MAP_LOOKUP_AND_DELETE_ELEM(21, "4.20"),
    BPF_MAP_FREEZE(22, "5.2"),
    BPF_BTF_GET_NEXT_ID(23, "5.4"),
    BPF_MAP_LOOKUP_BATCH(24, "5.6"),
    BPF_MAP_LOOKUP_AND_DELETE_BATCH(25, "5.6"),
    BPF_MAP_UPDATE_BATCH(26, "5.6"),
    BPF_MAP_DELETE_BATCH(27, "5.6"),
    BPF_LINK_CREATE(28, "5.7"),
    BPF_LINK_UPDATE(29, "5.7"),
    BPF_LINK_GET_FD_BY_ID(30, "5.8"),
    BPF_LINK_GET_NEXT_ID(31, "5.8"),
    BPF_ENABLE_STATS(32, "5.8"),
    BPF_ITER_CREATE(33, "5.8"),
    BPF_LINK_DETACH(34, "5.9"),
    BPF_PROG_BIND_MAP(35, "5.10");

    private final int number;
    private final String since;

    BpfCommand(int number, String since) {
        this.number = number;
        this.since = since;
    }

    /** The command's number in {@code enum bpf_cmd}. */
    public int number() {
        return number;
    }

    /** The first kernel release with this command, e.g. {@code "5.6"}. */
    public String since() {
        return since;
    }
}
