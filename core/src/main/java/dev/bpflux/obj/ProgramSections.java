package dev.bpflux.obj;

import dev.bpflux.obj.btf.BtfKind;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The one table of section-name conventions, following libbpf's {@code section_defs}: per section
 * pattern the program type, expected attach type, load flags, whether the program needs a kernel BTF
 * target at load, and how {@code ObjectProgram.attach()} attaches it ({@link AutoAttach}, with how the
 * target is read from the section name). The loader, the section attacher and the compatibility report
 * all read this table; nothing else decides by section name.
 *
 * <p>A definition's pattern is matched like libbpf does: {@code "kprobe+"} matches {@code kprobe} and
 * {@code kprobe/<target>}; {@code "sk_skb/"} needs something after the slash; anything else must match
 * exactly. The first matching definition wins. Code in a section no definition matches is a program of
 * unknown type ({@link #unknown}), as in libbpf: the object still opens, and loading that program needs
 * its type set first.
 */
public final class ProgramSections {

    /** What a section's target is parsed into, and what {@code attach()} needs beyond the section name. */
    public enum AutoAttach {
        /** {@code tp/<category>/<name>}: a perf event on the tracepoint (Linux 4.7). */
        TRACEPOINT("<category>/<name>, e.g. tp/syscalls/sys_enter_write"),
        /** {@code raw_tp/<tracepoint>}: BPF_RAW_TRACEPOINT_OPEN (Linux 4.17). */
        RAW_TRACEPOINT("<tracepoint>, e.g. raw_tp/sys_enter"),
        /** {@code tp_btf/<tracepoint>}: target fixed at load as {@code attach_btf_id}. */
        TP_BTF("<tracepoint>, e.g. tp_btf/sched_switch"),
        /** fentry, fexit, fmod_ret (and {@code .s}): a BPF trampoline at the function fixed at load. */
        FENTRY("<function>, e.g. fentry/do_unlinkat"),
        /** lsm, lsm.s: a BPF trampoline at the LSM hook fixed at load. */
        LSM("<hook>, e.g. lsm/file_open"),
        /** {@code kprobe/<function>[+offset]} (kretprobe: return probe). */
        KPROBE("<function>[+offset], e.g. kprobe/do_unlinkat"),
        /** {@code ksyscall/<syscall>}: a kprobe on the kernel function behind the syscall. */
        KSYSCALL("<syscall>, e.g. ksyscall/write"),
        /** {@code uprobe/<binary>:<symbol>}, or a binary and symbol given at attach. */
        UPROBE("<binary>:<symbol>, e.g. uprobe//usr/bin/bash:readline"),
        /** A network interface given at attach (XDP link, Linux 5.9). */
        XDP("a network interface (AttachOptions.withInterface)"),
        /** A network interface given at attach (tcx link, Linux 6.6); the direction is the attach type. */
        TCX("a network interface (AttachOptions.withInterface)"),
        /** A cgroup given at attach; the attach type says where in the cgroup. */
        CGROUP("a cgroup (AttachOptions.withCgroup)"),
        /** Not attached automatically: attach with a {@code dev.bpflux.link} class. */
        MANUAL("");

        private final String targetForm;

        AutoAttach(String targetForm) {
            this.targetForm = targetForm;
        }

        /** The target's form for messages, e.g. {@code "<function>[+offset], e.g. kprobe/do_unlinkat"}. */
        public String targetForm() {
            return targetForm;
        }

        /** Whether the target is in the section name (or {@code AttachOptions.withTarget}) rather than given otherwise. */
        public boolean targetInSection() {
            return switch (this) {
                case TRACEPOINT, RAW_TRACEPOINT, TP_BTF, FENTRY, LSM, KPROBE, KSYSCALL, UPROBE -> true;
                default -> false;
            };
        }

        /** Whether the target is fixed at load ({@code attach_btf_id}) rather than at attach. */
        public boolean targetAtLoad() {
            return this == TP_BTF || this == FENTRY || this == LSM;
        }
    }

    /** A tracepoint target {@code <category>/<name>}. */
    public record TracepointName(String category, String name) {
        /** {@code target} as a tracepoint, or empty when it is not {@code <category>/<name>}. */
        public static Optional<TracepointName> parse(String target) {
            int slash = target.indexOf('/');
            if (slash <= 0 || slash == target.length() - 1) {
                return Optional.empty();
            }
            return Optional.of(new TracepointName(target.substring(0, slash), target.substring(slash + 1)));
        }
    }

    /** A kprobe target {@code <function>[+offset]}; the offset decimal or {@code 0x} hex. */
    public record KprobeTarget(String function, long offset) {
        /** {@code target} as a kprobe target, or empty when it is empty or its offset is not a number. */
        public static Optional<KprobeTarget> parse(String target) {
            int plus = target.indexOf('+');
            if (plus < 0) {
                return target.isEmpty() ? Optional.empty() : Optional.of(new KprobeTarget(target, 0));
            }
            if (plus == 0) {
                return Optional.empty();
            }
            try {
                long offset = Long.decode(target.substring(plus + 1));
                return offset < 0 ? Optional.empty() : Optional.of(new KprobeTarget(target.substring(0, plus), offset));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
    }

    /** A uprobe target {@code <binary>:<symbol>} (the last ':' splits, so a path may hold one). */
    public record UprobeTarget(String binary, String symbol) {
        /** {@code target} as binary and symbol, or empty when it has no ':' after a binary. */
        public static Optional<UprobeTarget> parse(String target) {
            int colon = target.lastIndexOf(':');
            if (colon <= 0) {
                return Optional.empty();
            }
            return Optional.of(new UprobeTarget(target.substring(0, colon), target.substring(colon + 1)));
        }
    }

    /**
     * The kernel BTF type a BTF-attached program's target names, keyed by its expected attach type as
     * libbpf's {@code find_kernel_btf_id} does: a tp_btf tracepoint {@code X} is the typedef
     * {@code btf_trace_X}, an LSM hook {@code X} the function {@code bpf_lsm_X}, an iterator {@code X}
     * the function {@code bpf_iter_X}, anything else (fentry, fexit, fmod_ret) the function {@code X}.
     */
    public record BtfTarget(String name, BtfKind kind) {
        public static BtfTarget of(AttachType attachType, String target) {
            if (attachType == AttachType.TRACE_RAW_TP) {
                return new BtfTarget("btf_trace_" + target, BtfKind.TYPEDEF);
            }
            if (attachType == AttachType.LSM_MAC || attachType == AttachType.LSM_CGROUP) {
                return new BtfTarget("bpf_lsm_" + target, BtfKind.FUNC);
            }
            if (attachType == AttachType.TRACE_ITER) {
                return new BtfTarget("bpf_iter_" + target, BtfKind.FUNC);
            }
            return new BtfTarget(target, BtfKind.FUNC);
        }
    }

    /**
     * One section-name convention.
     *
     * @param pattern     e.g. {@code "fentry.s+"}
     * @param type        program type ({@link ProgramType#UNSPEC} for a section no convention matches)
     * @param attachType  expected attach type, {@code null} where libbpf passes 0 with no meaning
     * @param sleepable   {@code BPF_F_SLEEPABLE} at load
     * @param attachBtf   the target is a kernel BTF id found by name at load (fentry, tp_btf, lsm, iter...)
     * @param xdpFrags    {@code BPF_F_XDP_HAS_FRAGS} at load (Linux 5.18)
     * @param returnProbe a return probe (kretprobe, uretprobe, kretsyscall)
     * @param autoAttach  how {@code ObjectProgram.attach()} attaches it
     */
    public record Definition(String pattern, ProgramType type, AttachType attachType, boolean sleepable,
                             boolean attachBtf, boolean xdpFrags, boolean returnProbe, AutoAttach autoAttach) {
        /** The pattern without a trailing '+' or '/'. */
        public String prefix() {
            return pattern.endsWith("+") || pattern.endsWith("/") ? pattern.substring(0, pattern.length() - 1)
                    : pattern;
        }

        /** Whether a section of this convention names a program type (false for an unknown section). */
        public boolean known() {
            return type != ProgramType.UNSPEC;
        }

        /** fentry/fexit/fmod_ret/lsm run from a BPF trampoline, which some kernels refuse (no JIT, policy). */
        public boolean trampoline() {
            return attachType == AttachType.TRACE_FENTRY || attachType == AttachType.TRACE_FEXIT
                    || attachType == AttachType.MODIFY_RETURN || attachType == AttachType.LSM_MAC
                    || attachType == AttachType.LSM_CGROUP;
        }

        /**
         * This convention with the program type and expected attach type set by the user (libbpf's
         * {@code bpf_program__set_type}/{@code set_expected_attach_type}). As in libbpf, a changed program
         * type drops the automatic attach (the section no longer says how); a changed attach type keeps it.
         * Load flags stay; the BTF target is needed for the types the kernel loads only with one.
         */
        public Definition withType(ProgramType newType, AttachType newAttachType) {
            AutoAttach attach = newType == type ? autoAttach : AutoAttach.MANUAL;
            return new Definition(pattern, newType, newAttachType, sleepable, needsBtfTarget(newType), xdpFrags,
                    returnProbe, attach);
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

    /** The kernel loads tracing, LSM and extension programs only with a BTF target ({@code attach_btf_id}). */
    static boolean needsBtfTarget(ProgramType type) {
        return type == ProgramType.TRACING || type == ProgramType.LSM || type == ProgramType.EXT;
    }

    private static final List<Definition> DEFS = new ArrayList<>();

    /** Flags: S sleepable, B BTF target at load, F XDP frags, R return probe. */
    private static void def(String pattern, ProgramType type, AttachType attach, AutoAttach autoAttach,
                            String flags) {
        DEFS.add(new Definition(pattern, type, attach, flags.contains("S"), flags.contains("B"),
                flags.contains("F"), flags.contains("R"), autoAttach));
    }

    static {
        ProgramType kp = ProgramType.KPROBE;
        def("socket", ProgramType.SOCKET_FILTER, null, AutoAttach.MANUAL, "");
        def("sk_reuseport/migrate", ProgramType.SK_REUSEPORT, AttachType.SK_REUSEPORT_SELECT_OR_MIGRATE,
                AutoAttach.MANUAL, "");
        def("sk_reuseport", ProgramType.SK_REUSEPORT, AttachType.SK_REUSEPORT_SELECT, AutoAttach.MANUAL, "");
        def("kprobe+", kp, null, AutoAttach.KPROBE, "");
        def("uprobe+", kp, null, AutoAttach.UPROBE, "");
        def("uprobe.s+", kp, null, AutoAttach.UPROBE, "S");
        def("kretprobe+", kp, null, AutoAttach.KPROBE, "R");
        def("uretprobe+", kp, null, AutoAttach.UPROBE, "R");
        def("uretprobe.s+", kp, null, AutoAttach.UPROBE, "SR");
        // Multi-probes: Linux 5.18 (kprobe), 6.6 (uprobe); sessions: 6.10 (kprobe), 6.13 (uprobe).
        def("kprobe.multi+", kp, AttachType.TRACE_KPROBE_MULTI, AutoAttach.MANUAL, "");
        def("kretprobe.multi+", kp, AttachType.TRACE_KPROBE_MULTI, AutoAttach.MANUAL, "R");
        def("kprobe.session+", kp, AttachType.TRACE_KPROBE_SESSION, AutoAttach.MANUAL, "");
        def("uprobe.multi+", kp, AttachType.TRACE_UPROBE_MULTI, AutoAttach.MANUAL, "");
        def("uretprobe.multi+", kp, AttachType.TRACE_UPROBE_MULTI, AutoAttach.MANUAL, "R");
        def("uprobe.session+", kp, AttachType.TRACE_UPROBE_SESSION, AutoAttach.MANUAL, "");
        def("uprobe.multi.s+", kp, AttachType.TRACE_UPROBE_MULTI, AutoAttach.MANUAL, "S");
        def("uretprobe.multi.s+", kp, AttachType.TRACE_UPROBE_MULTI, AutoAttach.MANUAL, "SR");
        def("uprobe.session.s+", kp, AttachType.TRACE_UPROBE_SESSION, AutoAttach.MANUAL, "S");
        def("ksyscall+", kp, null, AutoAttach.KSYSCALL, "");
        def("kretsyscall+", kp, null, AutoAttach.KSYSCALL, "R");
        def("usdt+", kp, null, AutoAttach.MANUAL, "");
        def("usdt.s+", kp, null, AutoAttach.MANUAL, "S");
        // tcx (Linux 6.6): "tc/ingress" and "tcx/ingress" are the same.
        def("tc/ingress", ProgramType.SCHED_CLS, AttachType.TCX_INGRESS, AutoAttach.TCX, "");
        def("tc/egress", ProgramType.SCHED_CLS, AttachType.TCX_EGRESS, AutoAttach.TCX, "");
        def("tcx/ingress", ProgramType.SCHED_CLS, AttachType.TCX_INGRESS, AutoAttach.TCX, "");
        def("tcx/egress", ProgramType.SCHED_CLS, AttachType.TCX_EGRESS, AutoAttach.TCX, "");
        def("tc", ProgramType.SCHED_CLS, null, AutoAttach.MANUAL, "");
        def("classifier", ProgramType.SCHED_CLS, null, AutoAttach.MANUAL, "");
        def("action", ProgramType.SCHED_ACT, null, AutoAttach.MANUAL, "");
        def("netkit/primary", ProgramType.SCHED_CLS, AttachType.NETKIT_PRIMARY, AutoAttach.MANUAL, "");
        def("netkit/peer", ProgramType.SCHED_CLS, AttachType.NETKIT_PEER, AutoAttach.MANUAL, "");
        def("tracepoint+", ProgramType.TRACEPOINT, null, AutoAttach.TRACEPOINT, "");
        def("tp+", ProgramType.TRACEPOINT, null, AutoAttach.TRACEPOINT, "");
        def("raw_tracepoint+", ProgramType.RAW_TRACEPOINT, null, AutoAttach.RAW_TRACEPOINT, "");
        def("raw_tp+", ProgramType.RAW_TRACEPOINT, null, AutoAttach.RAW_TRACEPOINT, "");
        def("raw_tracepoint.w+", ProgramType.RAW_TRACEPOINT_WRITABLE, null, AutoAttach.RAW_TRACEPOINT, "");
        def("raw_tp.w+", ProgramType.RAW_TRACEPOINT_WRITABLE, null, AutoAttach.RAW_TRACEPOINT, "");
        def("tp_btf+", ProgramType.TRACING, AttachType.TRACE_RAW_TP, AutoAttach.TP_BTF, "B");
        def("fentry+", ProgramType.TRACING, AttachType.TRACE_FENTRY, AutoAttach.FENTRY, "B");
        def("fmod_ret+", ProgramType.TRACING, AttachType.MODIFY_RETURN, AutoAttach.FENTRY, "B");
        def("fexit+", ProgramType.TRACING, AttachType.TRACE_FEXIT, AutoAttach.FENTRY, "B");
        def("fentry.s+", ProgramType.TRACING, AttachType.TRACE_FENTRY, AutoAttach.FENTRY, "BS");
        def("fmod_ret.s+", ProgramType.TRACING, AttachType.MODIFY_RETURN, AutoAttach.FENTRY, "BS");
        def("fexit.s+", ProgramType.TRACING, AttachType.TRACE_FEXIT, AutoAttach.FENTRY, "BS");
        def("freplace+", ProgramType.EXT, null, AutoAttach.MANUAL, "B");
        def("lsm+", ProgramType.LSM, AttachType.LSM_MAC, AutoAttach.LSM, "B");
        def("lsm.s+", ProgramType.LSM, AttachType.LSM_MAC, AutoAttach.LSM, "BS");
        def("lsm_cgroup+", ProgramType.LSM, AttachType.LSM_CGROUP, AutoAttach.MANUAL, "B");
        def("iter+", ProgramType.TRACING, AttachType.TRACE_ITER, AutoAttach.MANUAL, "B");
        def("iter.s+", ProgramType.TRACING, AttachType.TRACE_ITER, AutoAttach.MANUAL, "BS");
        def("syscall", ProgramType.SYSCALL, null, AutoAttach.MANUAL, "S");
        def("xdp.frags/devmap", ProgramType.XDP, AttachType.XDP_DEVMAP, AutoAttach.MANUAL, "F");
        def("xdp/devmap", ProgramType.XDP, AttachType.XDP_DEVMAP, AutoAttach.MANUAL, "");
        def("xdp.frags/cpumap", ProgramType.XDP, AttachType.XDP_CPUMAP, AutoAttach.MANUAL, "F");
        def("xdp/cpumap", ProgramType.XDP, AttachType.XDP_CPUMAP, AutoAttach.MANUAL, "");
        def("xdp.frags", ProgramType.XDP, AttachType.XDP, AutoAttach.XDP, "F");
        def("xdp", ProgramType.XDP, AttachType.XDP, AutoAttach.XDP, "");
        def("perf_event", ProgramType.PERF_EVENT, null, AutoAttach.MANUAL, "");
        def("lwt_in", ProgramType.LWT_IN, null, AutoAttach.MANUAL, "");
        def("lwt_out", ProgramType.LWT_OUT, null, AutoAttach.MANUAL, "");
        def("lwt_xmit", ProgramType.LWT_XMIT, null, AutoAttach.MANUAL, "");
        def("lwt_seg6local", ProgramType.LWT_SEG6LOCAL, null, AutoAttach.MANUAL, "");
        def("sockops", ProgramType.SOCK_OPS, AttachType.CGROUP_SOCK_OPS, AutoAttach.CGROUP, "");
        def("sk_skb/stream_parser", ProgramType.SK_SKB, AttachType.SK_SKB_STREAM_PARSER, AutoAttach.MANUAL, "");
        def("sk_skb/stream_verdict", ProgramType.SK_SKB, AttachType.SK_SKB_STREAM_VERDICT, AutoAttach.MANUAL, "");
        def("sk_skb/verdict", ProgramType.SK_SKB, AttachType.SK_SKB_VERDICT, AutoAttach.MANUAL, "");
        def("sk_skb", ProgramType.SK_SKB, null, AutoAttach.MANUAL, "");
        def("sk_msg", ProgramType.SK_MSG, AttachType.SK_MSG_VERDICT, AutoAttach.MANUAL, "");
        def("lirc_mode2", ProgramType.LIRC_MODE2, AttachType.LIRC_MODE2, AutoAttach.MANUAL, "");
        def("flow_dissector", ProgramType.FLOW_DISSECTOR, AttachType.FLOW_DISSECTOR, AutoAttach.MANUAL, "");
        def("cgroup_skb/ingress", ProgramType.CGROUP_SKB, AttachType.CGROUP_INET_INGRESS, AutoAttach.CGROUP, "");
        def("cgroup_skb/egress", ProgramType.CGROUP_SKB, AttachType.CGROUP_INET_EGRESS, AutoAttach.CGROUP, "");
        def("cgroup/skb", ProgramType.CGROUP_SKB, null, AutoAttach.CGROUP, "");
        def("cgroup/sock_create", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_CREATE, AutoAttach.CGROUP, "");
        def("cgroup/sock_release", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_RELEASE, AutoAttach.CGROUP, "");
        def("cgroup/sock", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_CREATE, AutoAttach.CGROUP, "");
        def("cgroup/post_bind4", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET4_POST_BIND, AutoAttach.CGROUP, "");
        def("cgroup/post_bind6", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET6_POST_BIND, AutoAttach.CGROUP, "");
        def("cgroup/bind4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_BIND, AutoAttach.CGROUP, "");
        def("cgroup/bind6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET6_BIND, AutoAttach.CGROUP, "");
        def("cgroup/connect4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_CONNECT, AutoAttach.CGROUP, "");
        def("cgroup/connect6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET6_CONNECT, AutoAttach.CGROUP, "");
        def("cgroup/connect_unix", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_CONNECT, AutoAttach.CGROUP, "");
        def("cgroup/sendmsg4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UDP4_SENDMSG, AutoAttach.CGROUP, "");
        def("cgroup/sendmsg6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UDP6_SENDMSG, AutoAttach.CGROUP, "");
        def("cgroup/sendmsg_unix", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_SENDMSG, AutoAttach.CGROUP, "");
        def("cgroup/recvmsg4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UDP4_RECVMSG, AutoAttach.CGROUP, "");
        def("cgroup/recvmsg6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UDP6_RECVMSG, AutoAttach.CGROUP, "");
        def("cgroup/recvmsg_unix", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_RECVMSG, AutoAttach.CGROUP, "");
        def("cgroup/getpeername4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_GETPEERNAME,
                AutoAttach.CGROUP, "");
        def("cgroup/getpeername6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET6_GETPEERNAME,
                AutoAttach.CGROUP, "");
        def("cgroup/getpeername_unix", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_GETPEERNAME,
                AutoAttach.CGROUP, "");
        def("cgroup/getsockname4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_GETSOCKNAME,
                AutoAttach.CGROUP, "");
        def("cgroup/getsockname6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET6_GETSOCKNAME,
                AutoAttach.CGROUP, "");
        def("cgroup/getsockname_unix", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_GETSOCKNAME,
                AutoAttach.CGROUP, "");
        def("cgroup/sysctl", ProgramType.CGROUP_SYSCTL, AttachType.CGROUP_SYSCTL, AutoAttach.CGROUP, "");
        def("cgroup/getsockopt", ProgramType.CGROUP_SOCKOPT, AttachType.CGROUP_GETSOCKOPT, AutoAttach.CGROUP, "");
        def("cgroup/setsockopt", ProgramType.CGROUP_SOCKOPT, AttachType.CGROUP_SETSOCKOPT, AutoAttach.CGROUP, "");
        def("cgroup/dev", ProgramType.CGROUP_DEVICE, AttachType.CGROUP_DEVICE, AutoAttach.CGROUP, "");
        def("struct_ops+", ProgramType.STRUCT_OPS, null, AutoAttach.MANUAL, "");
        def("struct_ops.s+", ProgramType.STRUCT_OPS, null, AutoAttach.MANUAL, "S");
        def("sk_lookup", ProgramType.SK_LOOKUP, AttachType.SK_LOOKUP, AutoAttach.MANUAL, "");
        def("netfilter", ProgramType.NETFILTER, AttachType.NETFILTER, AutoAttach.MANUAL, "");
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

    /**
     * What code in section {@code sectionName} is when no definition matches: a program of unknown type
     * ({@link ProgramType#UNSPEC}), not attached automatically, loadable once its type is set.
     */
    public static Match unknown(String sectionName) {
        return new Match(new Definition(sectionName, ProgramType.UNSPEC, null, false, false, false, false,
                AutoAttach.MANUAL), "");
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
