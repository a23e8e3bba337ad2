package dev.bpflux.link;

import com.sun.jna.LastErrorException;
import dev.bpflux.obj.AttachType;
import dev.bpflux.prog.BpfProgram;
import dev.bpflux.sys.BpfAttr;
import dev.bpflux.sys.Eintr;
import dev.bpflux.sys.OwnedFd;
import dev.bpflux.sys.SyscallErrors;
import dev.bpflux.sys.SystemCalls;
import java.nio.file.Path;
import java.util.List;

/**
 * A cgroup program (cgroup_skb, cgroup_sock, sock_addr, sockopt, sysctl, device, sock_ops) on a
 * cgroup v2 directory as a BPF link (BPF_LINK_CREATE, 5.7). Links always attach in
 * multi-program mode: they coexist with other links and BPF_F_ALLOW_MULTI attachments.
 */
public final class CgroupLink extends BpfLink {
    private static final int O_RDONLY = 0;
    private static final int O_DIRECTORY = 0x10000; // 0200000 on x86_64 and asm-generic

    private final Path cgroup;
    private final AttachType attachType;

    private CgroupLink(OwnedFd fd, Path cgroup, AttachType attachType) {
        super(fd, true, List.of());
        this.cgroup = cgroup;
        this.attachType = attachType;
    }

    /** Attaches {@code prog} to cgroup directory {@code cgroup} at hook {@code attachType}. */
    public static CgroupLink attach(BpfProgram prog, Path cgroup, AttachType attachType) {
        try (OwnedFd dir = openCgroup(prog.fd().calls(), cgroup); BpfAttr.LinkCreate attr = new BpfAttr.LinkCreate()) {
            attr.progFd(prog.fd().fd()).targetFd(dir.fd()).attachType(attachType.value());
            String what = "cgroup link (" + attachType.kernelName() + ") of " + prog.fd().what() + " on " + cgroup;
            return new CgroupLink(create(prog, attr, what, "cgroup links need Linux 5.7 and a cgroup v2 directory; the "
                    + "program type must match " + attachType.kernelName()), cgroup, attachType);
        }
    }

    /** Opens a cgroup directory read-only for attaching, through {@code sys}. */
    static OwnedFd openCgroup(SystemCalls sys, Path cgroup) {
        try {
            int fd = (int) Eintr.retry(() -> sys.open(cgroup.toString(), O_RDONLY | O_DIRECTORY));
            return OwnedFd.adopt(fd, "cgroup " + cgroup, sys);
        } catch (LastErrorException e) {
            throw SyscallErrors.exception("open of cgroup directory " + cgroup, e.getErrorCode(), null);
        }
    }

    public Path cgroup() {
        return cgroup;
    }

    public AttachType attachType() {
        return attachType;
    }
}
