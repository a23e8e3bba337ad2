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
import dev.bpflux.obj.ProgramSections;
import dev.bpflux.obj.ProgramSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Attaches a program the way its section's {@link ProgramSections.AutoAttach} says, as libbpf's
 * auto-attach does: the one table decides which {@code dev.bpflux.link} attachment, this class only
 * carries it out.
 */
final class SectionAttacher {
    private SectionAttacher() {
    }

    static BpfLink attach(ObjectProgram p, AttachOptions o) {
        ProgramSpec spec = p.spec();
        ProgramSections.Definition section = spec.section();
        String target = o.target().orElse(spec.attachTarget());
        long cookie = o.cookie();
        AttachType at = spec.expectedAttachType().orElse(null);
        switch (section.autoAttach()) {
            case TRACEPOINT: {
                ProgramSections.TracepointName tp = ProgramSections.TracepointName.parse(target)
                        .orElseThrow(() -> noTarget(spec));
                return TracepointLink.attach(p.program(), tp.category(), tp.name(), cookie);
            }
            case RAW_TRACEPOINT:
                if (target.isEmpty()) {
                    throw noTarget(spec);
                }
                return RawTracepointLink.attach(p.program(), target, cookie);
            case TP_BTF:
            case FENTRY:
            case LSM:
                // The target is fixed at load (attach_btf_id).
                return TracingLink.attach(p.program(), cookie);
            case KPROBE: {
                ProgramSections.KprobeTarget k = ProgramSections.KprobeTarget.parse(target)
                        .orElseThrow(() -> noTarget(spec));
                return KprobeLink.attach(p.program(), k.function(), k.offset(), section.returnProbe(), cookie);
            }
            case KSYSCALL:
                if (target.isEmpty()) {
                    throw noTarget(spec);
                }
                // The kernel function behind the syscall: __x64_sys_<name> where syscalls are wrapped (4.17+).
                return KprobeLink.attach(p.program(), SyscallWrapper.system().kprobeTarget(target), 0,
                        section.returnProbe(), cookie);
            case UPROBE: {
                Path binary = o.binary().orElse(null);
                String symbol = o.symbol().orElse(null);
                if (binary == null) {
                    ProgramSections.UprobeTarget u = ProgramSections.UprobeTarget.parse(target).orElse(null);
                    if (u != null) {
                        binary = Path.of(u.binary());
                        symbol = u.symbol();
                    }
                }
                if (binary == null || symbol == null) {
                    throw new BpfException("program '" + spec.name() + "' (" + spec.sectionName() + ") needs a binary "
                            + "and symbol to attach: use attach(AttachOptions.defaults().withUprobe(binary, symbol)) "
                            + "or a section like uprobe/<binary>:<symbol>");
                }
                return UprobeLink.attach(p.program(), binary, symbol, o.pid(), section.returnProbe(), cookie);
            }
            case XDP:
                return XdpLink.attach(p.program(), ifindex(spec, o), o.xdpFlags());
            case TCX:
                return TcxLink.attach(p.program(), ifindex(spec, o),
                        at == AttachType.TCX_INGRESS ? TcxLink.Direction.INGRESS : TcxLink.Direction.EGRESS);
            case CGROUP: {
                Path cg = o.cgroup().orElseThrow(() -> new BpfException("program '" + spec.name() + "' ("
                        + spec.sectionName() + ") attaches to a cgroup: use attach(AttachOptions.defaults()"
                        + ".withCgroup(Path.of(\"/sys/fs/cgroup/...\")))"));
                if (at == null) {
                    throw new BpfException("program '" + spec.name() + "' (" + spec.sectionName() + ") has no attach "
                            + "type in its section name; use a section such as cgroup_skb/ingress");
                }
                return CgroupLink.attach(p.program(), cg, at);
            }
            default:
                throw new BpfException("program '" + spec.name() + "' (section " + spec.sectionName() + ") cannot be "
                        + "attached automatically; attach p.program() with a dev.bpflux.link class");
        }
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

    private static BpfException noTarget(ProgramSpec spec) {
        return new BpfException("program '" + spec.name() + "' has section " + spec.sectionName() + " without an "
                + "attach target; the section must be " + spec.section().autoAttach().targetForm()
                + " (or pass AttachOptions.withTarget)");
    }
}
