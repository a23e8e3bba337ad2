package dev.bpflux.link;

import com.sun.jna.LastErrorException;
import dev.bpflux.BpfException;
import dev.bpflux.obj.AttachType;
import dev.bpflux.prog.BpfProgram;
import dev.bpflux.sys.BpfAttr;
import dev.bpflux.sys.Errno;
import dev.bpflux.sys.OwnedFd;
import dev.bpflux.sys.SystemCalls;
import java.util.List;

/**
 * An XDP program on a network interface as a BPF link (BPF_LINK_CREATE with BPF_XDP, 5.9):
 * detached when the link is closed, and protected from being replaced by netlink users meanwhile.
 */
public final class XdpLink extends BpfLink {
    /** XDP mode flags (linux/if_link.h). 0 lets the kernel pick driver mode if it can, else generic. */
    public static final int XDP_FLAGS_SKB_MODE = 1 << 1;
    public static final int XDP_FLAGS_DRV_MODE = 1 << 2;
    public static final int XDP_FLAGS_HW_MODE = 1 << 3;

    private final int ifindex;

    private XdpLink(OwnedFd fd, int ifindex) {
        super(fd, true, List.of());
        this.ifindex = ifindex;
    }

    /** Attaches to interface {@code ifname} (e.g. {@code "lo"}) with mode {@code flags}. */
    public static XdpLink attach(BpfProgram prog, String ifname, int flags) {
        return attach(prog, interfaceIndex(prog.fd().calls(), ifname), flags);
    }

    /** Attaches to the interface with index {@code ifindex}. */
    public static XdpLink attach(BpfProgram prog, int ifindex, int flags) {
        try (BpfAttr.LinkCreate attr = new BpfAttr.LinkCreate()) {
            attr.progFd(prog.fd().fd()).targetIfindex(ifindex).attachType(AttachType.XDP.value()).flags(flags);
            String what = "XDP link of " + prog.fd().what() + " on ifindex " + ifindex;
            return new XdpLink(create(prog, attr, what, "XDP links need Linux 5.9; EBUSY means another XDP program is "
                    + "attached to this interface in the same mode; EINVAL may mean the program is not XDP"), ifindex);
        }
    }

    /** The index of network interface {@code name}, asked through {@code sys}. */
    static int interfaceIndex(SystemCalls sys, String name) {
        try {
            return sys.ifNameToIndex(name);
        } catch (LastErrorException e) {
            throw new BpfException("no network interface named '" + name + "' (" + Errno.name(e.getErrorCode()) + ")");
        }
    }

    public int ifindex() {
        return ifindex;
    }
}
