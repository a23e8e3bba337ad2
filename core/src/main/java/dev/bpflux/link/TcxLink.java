package dev.bpflux.link;

import dev.bpflux.BpfNotSupportedException;
import dev.bpflux.obj.AttachType;
import dev.bpflux.prog.BpfProgram;
import dev.bpflux.sys.Bpf;
import dev.bpflux.sys.BpfAttr;
import dev.bpflux.sys.Errno;
import dev.bpflux.sys.OwnedFd;
import dev.bpflux.sys.SyscallErrors;
import java.util.List;

/**
 * A {@code BPF_PROG_TYPE_SCHED_CLS} program on a network interface's ingress or egress through
 * tcx (BPF_LINK_CREATE with BPF_TCX_INGRESS / BPF_TCX_EGRESS, 6.6): no qdisc needed; programs run
 * in attach order, this one appended last.
 */
public final class TcxLink extends BpfLink {
    /** Which direction of traffic. */
    public enum Direction {
        INGRESS(AttachType.TCX_INGRESS), EGRESS(AttachType.TCX_EGRESS);

        final AttachType attachType;

        Direction(AttachType attachType) {
            this.attachType = attachType;
        }
    }

    private final int ifindex;
    private final Direction direction;

    private TcxLink(OwnedFd fd, int ifindex, Direction direction) {
        super(fd, true, List.of());
        this.ifindex = ifindex;
        this.direction = direction;
    }

    public static TcxLink attach(BpfProgram prog, String ifname, Direction direction) {
        return attach(prog, XdpLink.interfaceIndex(prog.fd().calls(), ifname), direction);
    }

    public static TcxLink attach(BpfProgram prog, int ifindex, Direction direction) {
        try (BpfAttr.LinkCreate attr = new BpfAttr.LinkCreate()) {
            attr.progFd(prog.fd().fd()).targetIfindex(ifindex).attachType(direction.attachType.value());
            int r = Bpf.of(prog.fd()).tryCall(attr);
            String what = "tcx " + direction.name().toLowerCase(java.util.Locale.ROOT) + " link of " + prog.fd().what()
                    + " on ifindex " + ifindex;
            if (r == -Errno.EINVAL && !dev.bpflux.kernel.KernelVersion.current().atLeast(6, 6)) {
                throw new BpfNotSupportedException("tcx attach", "tcx links need Linux 6.6 or later",
                        SyscallErrors.plain("BPF_LINK_CREATE of " + what, Errno.EINVAL, null));
            }
            if (r < 0) {
                throw SyscallErrors.exception("BPF_LINK_CREATE of " + what, -r,
                        -r == Errno.EINVAL ? "tcx needs a SCHED_CLS program" : null);
            }
            return new TcxLink(OwnedFd.adopt(r, what, prog.fd().calls()), ifindex, direction);
        }
    }

    public int ifindex() {
        return ifindex;
    }

    public Direction direction() {
        return direction;
    }
}
