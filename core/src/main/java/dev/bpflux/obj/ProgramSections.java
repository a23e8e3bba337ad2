package dev.bpflux.obj;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The section names that make a function a program, following libbpf's conventions: what program type,
 * expected attach type and flags each implies.
 *
 * <p>A definition's pattern is matched like libbpf does: {@code "kprobe+"} matches {@code kprobe} and
 * {@code kprobe/<target>}; {@code "sk_skb/"} needs something after the slash; anything else must match
 * exactly. The first matching definition wins.
 */
public final class ProgramSections {

    /**
     * One section-name convention.
     *
     * @param pattern    e.g. {@code "fentry.s+"}
     * @param type       program type
     * @param attachType expected attach type, {@code null} where libbpf passes 0 with no meaning
     * @param sleepable  {@code BPF_F_SLEEPABLE} at load
     * @param attachBtf  the target is a kernel BTF id found by name (fentry, tp_btf, lsm, iter...)
     * @param xdpFrags   {@code BPF_F_XDP_HAS_FRAGS} at load (Linux 5.18)
     */
    public record Definition(String pattern, ProgramType type, AttachType attachType, boolean sleepable,
                             boolean attachBtf, boolean xdpFrags) {
        /** The pattern without a trailing '+' or '/'. */
        public String prefix() {
            return pattern.endsWith("+") || pattern.endsWith("/") ? pattern.substring(0, pattern.length() - 1)
                    : pattern;
        }

        /** The attach target in {@code sectionName} if this definition matches it, else empty. */
        Optional<String> match(String sectionName) {
            if (pattern.endsWith("/")) {
                return sectionName.startsWith(pattern) && sectionName.length() > pattern.length()
                        ? Optional.of(sectionName.substring(pattern.length())) : Optional.empty();
            }
            if (pattern.endsWith("+")) {
                String p = prefix();
                if (!sectionName.startsWith(p)) {
                    return Optional.empty();
                }
                if (sectionName.length() == p.length()) {
                    return Optional.of("");
                }
                return sectionName.charAt(p.length()) == '/' ? Optional.of(sectionName.substring(p.length() + 1))
                        : Optional.empty();
            }
            return sectionName.equals(pattern) ? Optional.of("") : Optional.empty();
        }
    }

    /** A section name matched to its definition. */
    public record Match(Definition definition, String attachTarget) {
    }

    private static final List<Definition> DEFS = new ArrayList<>();

    private static void def(String pattern, ProgramType type, AttachType attach, String flags) {
        DEFS.add(new Definition(pattern, type, attach, flags.contains("S"), flags.contains("B"),
                flags.contains("F")));
    }

    static {
        ProgramType kp = ProgramType.KPROBE;
        def("socket", ProgramType.SOCKET_FILTER, null, "");
        def("sk_reuseport/migrate", ProgramType.SK_REUSEPORT, AttachType.SK_REUSEPORT_SELECT_OR_MIGRATE, "");
        def("sk_reuseport", ProgramType.SK_REUSEPORT, AttachType.SK_REUSEPORT_SELECT, "");
        def("kprobe+", kp, null, "");
        def("uprobe+", kp, null, "");
        def("uprobe.s+", kp, null, "S");
        def("kretprobe+", kp, null, "");
        def("uretprobe+", kp, null, "");
        def("uretprobe.s+", kp, null, "S");
        // Multi-probes: Linux 5.18 (kprobe), 6.6 (uprobe); sessions: 6.10 (kprobe), 6.13 (uprobe).
        def("kprobe.multi+", kp, AttachType.TRACE_KPROBE_MULTI, "");
        def("kretprobe.multi+", kp, AttachType.TRACE_KPROBE_MULTI, "");
        def("kprobe.session+", kp, AttachType.TRACE_KPROBE_SESSION, "");
        def("uprobe.multi+", kp, AttachType.TRACE_UPROBE_MULTI, "");
        def("uretprobe.multi+", kp, AttachType.TRACE_UPROBE_MULTI, "");
        def("uprobe.session+", kp, AttachType.TRACE_UPROBE_SESSION, "");
        def("uprobe.multi.s+", kp, AttachType.TRACE_UPROBE_MULTI, "S");
        def("uretprobe.multi.s+", kp, AttachType.TRACE_UPROBE_MULTI, "S");
        def("uprobe.session.s+", kp, AttachType.TRACE_UPROBE_SESSION, "S");
        def("ksyscall+", kp, null, "");
        def("kretsyscall+", kp, null, "");
        def("usdt+", kp, null, "");
        def("usdt.s+", kp, null, "S");
        // tcx (Linux 6.6): "tc/ingress" and "tcx/ingress" are the same.
        def("tc/ingress", ProgramType.SCHED_CLS, AttachType.TCX_INGRESS, "");
        def("tc/egress", ProgramType.SCHED_CLS, AttachType.TCX_EGRESS, "");
        def("tcx/ingress", ProgramType.SCHED_CLS, AttachType.TCX_INGRESS, "");
        def("tcx/egress", ProgramType.SCHED_CLS, AttachType.TCX_EGRESS, "");
        def("tc", ProgramType.SCHED_CLS, null, "");
        def("classifier", ProgramType.SCHED_CLS, null, "");
        def("action", ProgramType.SCHED_ACT, null, "");
        def("netkit/primary", ProgramType.SCHED_CLS, AttachType.NETKIT_PRIMARY, "");
        def("netkit/peer", ProgramType.SCHED_CLS, AttachType.NETKIT_PEER, "");
        def("tracepoint+", ProgramType.TRACEPOINT, null, "");
        def("tp+", ProgramType.TRACEPOINT, null, "");
        def("raw_tracepoint+", ProgramType.RAW_TRACEPOINT, null, "");
        def("raw_tp+", ProgramType.RAW_TRACEPOINT, null, "");
        def("raw_tracepoint.w+", ProgramType.RAW_TRACEPOINT_WRITABLE, null, "");
        def("raw_tp.w+", ProgramType.RAW_TRACEPOINT_WRITABLE, null, "");
        def("tp_btf+", ProgramType.TRACING, AttachType.TRACE_RAW_TP, "B");
        def("fentry+", ProgramType.TRACING, AttachType.TRACE_FENTRY, "B");
        def("fmod_ret+", ProgramType.TRACING, AttachType.MODIFY_RETURN, "B");
        def("fexit+", ProgramType.TRACING, AttachType.TRACE_FEXIT, "B");
        def("fentry.s+", ProgramType.TRACING, AttachType.TRACE_FENTRY, "BS");
        def("fmod_ret.s+", ProgramType.TRACING, AttachType.MODIFY_RETURN, "BS");
        def("fexit.s+", ProgramType.TRACING, AttachType.TRACE_FEXIT, "BS");
        def("freplace+", ProgramType.EXT, null, "B");
        def("lsm+", ProgramType.LSM, AttachType.LSM_MAC, "B");
        def("lsm.s+", ProgramType.LSM, AttachType.LSM_MAC, "BS");
        def("lsm_cgroup+", ProgramType.LSM, AttachType.LSM_CGROUP, "B");
        def("iter+", ProgramType.TRACING, AttachType.TRACE_ITER, "B");
        def("iter.s+", ProgramType.TRACING, AttachType.TRACE_ITER, "BS");
        def("syscall", ProgramType.SYSCALL, null, "S");
        def("xdp.frags/devmap", ProgramType.XDP, AttachType.XDP_DEVMAP, "F");
        def("xdp/devmap", ProgramType.XDP, AttachType.XDP_DEVMAP, "");
        def("xdp.frags/cpumap", ProgramType.XDP, AttachType.XDP_CPUMAP, "F");
        def("xdp/cpumap", ProgramType.XDP, AttachType.XDP_CPUMAP, "");
        def("xdp.frags", ProgramType.XDP, AttachType.XDP, "F");
        def("xdp", ProgramType.XDP, AttachType.XDP, "");
        def("perf_event", ProgramType.PERF_EVENT, null, "");
        def("lwt_in", ProgramType.LWT_IN, null, "");
        def("lwt_out", ProgramType.LWT_OUT, null, "");
        def("lwt_xmit", ProgramType.LWT_XMIT, null, "");
        def("lwt_seg6local", ProgramType.LWT_SEG6LOCAL, null, "");
        def("sockops", ProgramType.SOCK_OPS, AttachType.CGROUP_SOCK_OPS, "");
        def("sk_skb/stream_parser", ProgramType.SK_SKB, AttachType.SK_SKB_STREAM_PARSER, "");
        def("sk_skb/stream_verdict", ProgramType.SK_SKB, AttachType.SK_SKB_STREAM_VERDICT, "");
        def("sk_skb/verdict", ProgramType.SK_SKB, AttachType.SK_SKB_VERDICT, "");
        def("sk_skb", ProgramType.SK_SKB, null, "");
        def("sk_msg", ProgramType.SK_MSG, AttachType.SK_MSG_VERDICT, "");
        def("lirc_mode2", ProgramType.LIRC_MODE2, AttachType.LIRC_MODE2, "");
        def("flow_dissector", ProgramType.FLOW_DISSECTOR, AttachType.FLOW_DISSECTOR, "");
        def("cgroup_skb/ingress", ProgramType.CGROUP_SKB, AttachType.CGROUP_INET_INGRESS, "");
        def("cgroup_skb/egress", ProgramType.CGROUP_SKB, AttachType.CGROUP_INET_EGRESS, "");
        def("cgroup/skb", ProgramType.CGROUP_SKB, null, "");
        def("cgroup/sock_create", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_CREATE, "");
        def("cgroup/sock_release", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_RELEASE, "");
        def("cgroup/sock", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_CREATE, "");
        def("cgroup/post_bind4", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET4_POST_BIND, "");
        def("cgroup/post_bind6", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET6_POST_BIND, "");
        def("cgroup/bind4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_BIND, "");
        def("cgroup/bind6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET6_BIND, "");
        def("cgroup/connect4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_CONNECT, "");
        def("cgroup/connect6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET6_CONNECT, "");
        def("cgroup/connect_unix", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_CONNECT, "");
        def("cgroup/sendmsg4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UDP4_SENDMSG, "");
        def("cgroup/sendmsg6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UDP6_SENDMSG, "");
        def("cgroup/sendmsg_unix", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_SENDMSG, "");
        def("cgroup/recvmsg4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UDP4_RECVMSG, "");
        def("cgroup/recvmsg6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UDP6_RECVMSG, "");
        def("cgroup/recvmsg_unix", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_RECVMSG, "");
        def("cgroup/getpeername4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_GETPEERNAME, "");
        def("cgroup/getpeername6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET6_GETPEERNAME, "");
        def("cgroup/getpeername_unix", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_GETPEERNAME, "");
        def("cgroup/getsockname4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_GETSOCKNAME, "");
        def("cgroup/getsockname6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET6_GETSOCKNAME, "");
        def("cgroup/getsockname_unix", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_GETSOCKNAME, "");
        def("cgroup/sysctl", ProgramType.CGROUP_SYSCTL, AttachType.CGROUP_SYSCTL, "");
        def("cgroup/getsockopt", ProgramType.CGROUP_SOCKOPT, AttachType.CGROUP_GETSOCKOPT, "");
        def("cgroup/setsockopt", ProgramType.CGROUP_SOCKOPT, AttachType.CGROUP_SETSOCKOPT, "");
        def("cgroup/dev", ProgramType.CGROUP_DEVICE, AttachType.CGROUP_DEVICE, "");
        def("struct_ops+", ProgramType.STRUCT_OPS, null, "");
        def("struct_ops.s+", ProgramType.STRUCT_OPS, null, "S");
        def("sk_lookup", ProgramType.SK_LOOKUP, AttachType.SK_LOOKUP, "");
        def("netfilter", ProgramType.NETFILTER, AttachType.NETFILTER, "");
    }

    private ProgramSections() {
    }

    /** Every definition, in match order. */
    public static List<Definition> definitions() {
        return List.copyOf(DEFS);
    }

    /** The definition matching {@code sectionName} and the attach target it carries, if any. */
    public static Optional<Match> match(String sectionName) {
        for (Definition d : DEFS) {
            Optional<String> target = d.match(sectionName);
            if (target.isPresent()) {
                return Optional.of(new Match(d, target.get()));
            }
        }
        return Optional.empty();
    }

    /** The accepted section names/prefixes for an error message, e.g. {@code "kprobe[/...]"}. */
    public static String acceptedPatterns() {
        StringBuilder sb = new StringBuilder();
        for (Definition d : DEFS) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            String p = d.pattern();
            sb.append(p.endsWith("+") ? d.prefix() + "[/...]" : p.endsWith("/") ? p + "..." : p);
        }
        return sb.toString();
    }
}
