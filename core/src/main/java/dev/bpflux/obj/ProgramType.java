package dev.bpflux.obj;

/** Program types ({@code enum bpf_prog_type} in linux/bpf.h) with the kernel release that added each. */
public enum ProgramType {
    UNSPEC(0, "3.18"),
    SOCKET_FILTER(1, "3.19"),
    KPROBE(2, "4.1"),
    SCHED_CLS(3, "4.1"),
    SCHED_ACT(4, "4.1"),
    TRACEPOINT(5, "4.7"),
    XDP(6, "4.8"),
    PERF_EVENT(7, "4.9"),
    CGROUP_SKB(8, "4.10"),
    CGROUP_SOCK(9, "4.10"),
    LWT_IN(10, "4.10"),
    LWT_OUT(11, "4.10"),
    LWT_XMIT(12, "4.10"),
    SOCK_OPS(13, "4.13"),
    SK_SKB(14, "4.14"),
    CGROUP_DEVICE(15, "4.15"),
    SK_MSG(16, "4.17"),
    RAW_TRACEPOINT(17, "4.17"),
    CGROUP_SOCK_ADDR(18, "4.17"),
    LWT_SEG6LOCAL(19, "4.18"),
    LIRC_MODE2(20, "4.18"),
    SK_REUSEPORT(21, "4.19"),
    FLOW_DISSECTOR(22, "4.20"),
    CGROUP_SYSCTL(23, "5.2"),
    RAW_TRACEPOINT_WRITABLE(24, "5.2"),
    CGROUP_SOCKOPT(25, "5.3"),
    TRACING(26, "5.5"),
    STRUCT_OPS(27, "5.6"),
    EXT(28, "5.6"),
    LSM(29, "5.7"),
    SK_LOOKUP(30, "5.9"),
    SYSCALL(31, "5.14"),
    NETFILTER(32, "6.4");

    private static final ProgramType[] BY_VALUE = values();

    private final int value;
    private final String since;

    ProgramType(int value, String since) {
        this.value = value;
        this.since = since;
    }

    /** The value of {@code BPF_PROG_TYPE_*}. */
    public int value() {
        return value;
    }

    /** The first kernel release with this program type. */
    public String since() {
        return since;
    }

    /** The kernel's constant name, e.g. {@code BPF_PROG_TYPE_XDP}. */
    public String kernelName() {
        return "BPF_PROG_TYPE_" + name();
    }

    /** The type with kernel value {@code value}, or null for one newer than bpflux knows. */
    public static ProgramType of(int value) {
        return value >= 0 && value < BY_VALUE.length ? BY_VALUE[value] : null;
    }
}
