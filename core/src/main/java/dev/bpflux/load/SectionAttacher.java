package dev.bpflux.load;

import dev.bpflux.BpfException;
import dev.bpflux.kernel.SyscallWrapper;
import dev.bpflux.link.BpfLink;
import dev.bpflux.link.CgroupLink;
import dev.bpflux.link.KprobeLink;
import dev.bpflux.link.RawTracepointLink;
import dev.bpflux.link.TcxLink;
import dev.bpflux.link.TracepointLink;
import dev.bpflux.link.TracingLink;
import dev.bpflux.link.UprobeLink;
import dev.bpflux.link.XdpLink;
import dev.bpflux.obj.AttachType;
import dev.bpflux.obj.ProgramSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Chooses the {@code dev.bpflux.link} attachment a program's section name implies, as libbpf's auto-attach does. */
final class SectionAttacher {
    private SectionAttacher() {
    }

    static BpfLink attach(ObjectProgram p, AttachOptions o) {
        ProgramSpec spec = p.spec();
        String prefix = spec.section().prefix();
        String target = o.target().orElse(spec.attachTarget());
        long cookie = o.cookie();
        switch (prefix) {
            case "tracepoint":
            case "tp": {
                int slash = target.indexOf('/');
                if (slash <= 0 || slash == target.length() - 1) {
                    throw noTarget(spec, "<category>/<name>, e.g. tp/syscalls/sys_enter_write");
                }
                return TracepointLink.attach(p.program(), target.substring(0, slash), target.substring(slash + 1),
                        cookie);
            }
            case "raw_tracepoint":
            case "raw_tp":
            case "raw_tracepoint.w":
            case "raw_tp.w":
                if (target.isEmpty()) {
                    throw noTarget(spec, "<tracepoint>, e.g. raw_tp/sys_enter");
                }
                return RawTracepointLink.attach(p.program(), target, cookie);
            case "tp_btf": case "fentry": case "fexit": case "fmod_ret": case "fentry.s": case "fexit.s":
            case "fmod_ret.s": case "lsm": case "lsm.s":
                // The target is fixed at load (attach_btf_id).
                return TracingLink.attach(p.program(), cookie);
            case "kprobe":
            case "kretprobe": {
                if (target.isEmpty()) {
                    throw noTarget(spec, "<function>[+offset], e.g. kprobe/do_unlinkat");
                }
                long offset = 0;
                int plus = target.indexOf('+');
                String sym = target;
                if (plus > 0) {
                    sym = target.substring(0, plus);
                    offset = Long.decode(target.substring(plus + 1));
                }
                return KprobeLink.attach(p.program(), sym, offset, prefix.equals("kretprobe"), cookie);
            }
            case "ksyscall":
            case "kretsyscall": {
                if (target.isEmpty()) {
                    throw noTarget(spec, "<syscall>, e.g. ksyscall/write");
                }
                boolean ret = prefix.equals("kretsyscall");
                // The kernel function behind the syscall: __x64_sys_<name> where syscalls are wrapped (4.17+).
                return KprobeLink.attach(p.program(), SyscallWrapper.system().kprobeTarget(target), 0, ret, cookie);
            }
            case "uprobe": case "uretprobe": case "uprobe.s": case "uretprobe.s": {
                boolean ret = prefix.startsWith("uretprobe");
                Path binary = o.binary().orElse(null);
                String symbol = o.symbol().orElse(null);
                if (binary == null && !target.isEmpty()) {
                    int colon = target.lastIndexOf(':');
                    if (colon > 0) {
                        binary = Path.of(target.substring(0, colon));
                        symbol = target.substring(colon + 1);
                    }
                }
                if (binary == null || symbol == null) {
                    throw new BpfException("program '" + spec.name() + "' (" + spec.sectionName() + ") needs a binary "
                            + "and symbol to attach: use attach(AttachOptions.defaults().withUprobe(binary, symbol)) "
                            + "or a section like uprobe/<binary>:<symbol>");
                }
                return UprobeLink.attach(p.program(), binary, symbol, o.pid(), ret, cookie);
            }
            default:
                break;
        }
        AttachType at = spec.expectedAttachType().orElse(null);
        if (at == AttachType.XDP) {
            return XdpLink.attach(p.program(), ifindex(spec, o), o.xdpFlags());
        }
        if (at == AttachType.TCX_INGRESS || at == AttachType.TCX_EGRESS) {
            return TcxLink.attach(p.program(), ifindex(spec, o),
                    at == AttachType.TCX_INGRESS ? TcxLink.Direction.INGRESS : TcxLink.Direction.EGRESS);
        }
        if (prefix.startsWith("cgroup") || prefix.equals("sockops")) {
            Path cg = o.cgroup().orElseThrow(() -> new BpfException("program '" + spec.name() + "' ("
                    + spec.sectionName() + ") attaches to a cgroup: use attach(AttachOptions.defaults()"
                    + ".withCgroup(Path.of(\"/sys/fs/cgroup/...\")))"));
            if (at == null) {
                throw new BpfException("program '" + spec.name() + "' (" + spec.sectionName() + ") has no attach "
                        + "type in its section name; use a section such as cgroup_skb/ingress");
            }
            return CgroupLink.attach(p.program(), cg, at);
        }
        throw new BpfException("program '" + spec.name() + "' (section " + spec.sectionName() + ") cannot be "
                + "attached automatically; attach p.program() with a dev.bpflux.link class");
    }

    private static int ifindex(ProgramSpec spec, AttachOptions o) {
        if (o.ifindex() > 0) {
            return o.ifindex();
        }
        if (o.ifname().isPresent()) {
            Path f = Path.of("/sys/class/net", o.ifname().get(), "ifindex");
            try {
                return Integer.parseInt(Files.readString(f).trim());
            } catch (IOException | NumberFormatException e) {
                throw new BpfException("no network interface '" + o.ifname().get() + "' (" + f + " unreadable)", e);
            }
        }
        throw new BpfException("program '" + spec.name() + "' (" + spec.sectionName() + ") attaches to a network "
                + "interface: use attach(AttachOptions.defaults().withInterface(\"eth0\"))");
    }

    private static BpfException noTarget(ProgramSpec spec, String form) {
        return new BpfException("program '" + spec.name() + "' has section " + spec.sectionName() + " without an "
                + "attach target; the section must be " + form + " (or pass AttachOptions.withTarget)");
    }
}
