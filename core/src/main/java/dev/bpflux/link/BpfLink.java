package dev.bpflux.link;

import com.sun.jna.Memory;
import dev.bpflux.BpfNotSupportedException;
import dev.bpflux.prog.BpfProgram;
import dev.bpflux.sys.Bpf;
import dev.bpflux.sys.BpfAttr;
import dev.bpflux.sys.BpfCommand;
import dev.bpflux.sys.BpfFilesystem;
import dev.bpflux.sys.Errno;
import dev.bpflux.sys.OwnedFd;
import dev.bpflux.sys.SyscallErrors;
import java.nio.file.Path;
import java.util.List;

/**
 * A program attached to something, detached by {@link #close()} (exactly once).
 *
 * <p>Where the kernel has BPF links (5.7+, perf events 5.15+) this owns a link descriptor, which
 * can be pinned so the attachment outlives the process. On older kernels some attachments are a
 * perf event with the program set by ioctl ({@link #isBpfLink()} false): closing the event
 * detaches, and there is nothing to pin.
 *
 * <p>Subclasses, one per attach type, build it: {@link TracepointLink}, {@link RawTracepointLink},
 * {@link TracingLink}, {@link KprobeLink}, {@link UprobeLink}, {@link UprobeMultiLink}, {@link PerfEventLink},
 * {@link XdpLink}, {@link TcxLink}, {@link CgroupLink}.
 */
public class BpfLink implements AutoCloseable {
    private final OwnedFd fd;
    private final boolean bpfLink;
    private final List<OwnedFd> alsoOwned;

    /**
     * @param fd        the link descriptor, or the perf event for a legacy attachment
     * @param bpfLink   whether {@code fd} is a BPF link
     * @param alsoOwned descriptors closed after {@code fd} (the perf event under a perf link)
     */
    protected BpfLink(OwnedFd fd, boolean bpfLink, List<OwnedFd> alsoOwned) {
        this.fd = fd;
        this.bpfLink = bpfLink;
        this.alsoOwned = List.copyOf(alsoOwned);
    }

    /** The link descriptor (or the perf event of a legacy attachment). */
    public OwnedFd fd() {
        return fd;
    }

    /** Whether this is a BPF link (pinnable, with an id) rather than a legacy perf event attachment. */
    public boolean isBpfLink() {
        return bpfLink;
    }

    /** Creates a BPF link of {@code prog} with BPF_LINK_CREATE, through the program's door; {@code what} names it. */
    static OwnedFd create(BpfProgram prog, BpfAttr.LinkCreate attr, String what, String hint) {
        return Bpf.of(prog.fd()).callForFd(attr, what, hint);
    }

    /** Pins the link at {@code path} in bpffs (BPF_OBJ_PIN): the attachment then outlives this process. */
    public void pin(Path path) {
        requireBpfLink("pinning");
        BpfFilesystem.pin(Bpf.of(fd), fd, path);
    }

    /** Opens a link pinned at {@code path} (BPF_OBJ_GET); closing it does not detach while the pin exists. */
    public static BpfLink openPinned(Path path) {
        return openPinned(Bpf.system(), path);
    }

    /** As {@link #openPinned(Path)} through {@code bpf}'s door. */
    public static BpfLink openPinned(Bpf bpf, Path path) {
        try (BpfAttr.Obj attr = new BpfAttr.Obj(BpfCommand.BPF_OBJ_GET)) {
            attr.pathname(path.toString());
            return new BpfLink(bpf.callForFd(attr, "link pinned at " + path, null), true, List.of());
        }
    }

    /** Opens the link with kernel id {@code id} (BPF_LINK_GET_FD_BY_ID, 5.8). */
    public static BpfLink fromId(int id) {
        return fromId(Bpf.system(), id);
    }

    /** As {@link #fromId(int)} through {@code bpf}'s door. */
    public static BpfLink fromId(Bpf bpf, int id) {
        try (BpfAttr.GetFdById attr = new BpfAttr.GetFdById(BpfCommand.BPF_LINK_GET_FD_BY_ID)) {
            attr.id(id);
            return new BpfLink(bpf.callForFd(attr, "link id " + id, null), true, List.of());
        }
    }

    /** The kernel's description (BPF_OBJ_GET_INFO_BY_FD on the link, 5.8). */
    public LinkInfo info() {
        requireBpfLink("link info");
        // Zeroed buffer: the per-type union's name pointers stay 0 so the kernel copies no strings.
        try (Memory m = new Memory(LinkInfo.SIZE); BpfAttr.InfoByFd attr = new BpfAttr.InfoByFd()) {
            m.clear();
            attr.bpfFd(fd.fd()).info(m, LinkInfo.SIZE);
            Bpf.of(fd).call(attr);
            return new LinkInfo(m.getInt(0), m.getInt(4), m.getInt(8));
        }
    }

    /**
     * Detaches the program while keeping the descriptor (and pins) valid (BPF_LINK_DETACH, 5.9);
     * for links of other processes reached through a pin or id.
     */
    public void detach() {
        requireBpfLink("BPF_LINK_DETACH");
        try (BpfAttr.LinkDetach attr = new BpfAttr.LinkDetach()) {
            attr.linkFd(fd.fd());
            int r = Bpf.of(fd).tryCall(attr);
            if (r == -Errno.EINVAL) {
                throw new BpfNotSupportedException("BPF_LINK_DETACH", "needs Linux 5.9 or later",
                        SyscallErrors.plain("BPF_LINK_DETACH of " + fd.what(), Errno.EINVAL, null));
            }
            if (r < 0) {
                throw SyscallErrors.exception("BPF_LINK_DETACH of " + fd.what(), -r,
                        -r == Errno.EOPNOTSUPP ? "this link type cannot be detached" : null);
            }
        }
    }

    private void requireBpfLink(String op) {
        if (!bpfLink) {
            throw new BpfNotSupportedException(op + " of " + fd.what(), "it is a perf event attachment, not a BPF "
                    + "link (BPF links for perf events need Linux 5.15)");
        }
    }

    /** Detaches: closes the link, then whatever it was attached through. Later calls do nothing. */
    @Override
    public void close() {
        try {
            fd.close();
        } finally {
            for (OwnedFd o : alsoOwned) {
                o.close();
            }
        }
    }

    @Override
    public String toString() {
        return fd.toString();
    }
}
