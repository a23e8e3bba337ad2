package dev.bpflux.link;

import dev.bpflux.obj.AttachType;
import dev.bpflux.prog.BpfProgram;
import dev.bpflux.sys.Bpf;
import dev.bpflux.sys.BpfAttr;
import dev.bpflux.sys.BpfCommand;
import dev.bpflux.sys.OwnedFd;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A legacy attachment with BPF_PROG_ATTACH (4.10), for kernels or hooks without BPF links
 * (cgroups before 5.7, sockmap verdicts, flow dissector, lirc). Not a link: nothing to pin, and
 * the program stays attached until {@link #close()} issues BPF_PROG_DETACH (or the target goes).
 */
public final class ProgAttachment implements AutoCloseable {
    /** attach_flags for cgroups (linux/bpf.h). */
    public static final int BPF_F_ALLOW_OVERRIDE = 1;
    public static final int BPF_F_ALLOW_MULTI = 1 << 1;
    public static final int BPF_F_REPLACE = 1 << 2;

    private final OwnedFd target;
    private final OwnedFd program;
    private final AttachType attachType;
    private final AtomicBoolean detached = new AtomicBoolean();

    private ProgAttachment(OwnedFd target, OwnedFd program, AttachType attachType) {
        this.target = target;
        this.program = program;
        this.attachType = attachType;
    }

    /** Attaches {@code prog} to cgroup directory {@code cgroup}. */
    public static ProgAttachment attachToCgroup(BpfProgram prog, Path cgroup, AttachType attachType, int flags) {
        OwnedFd dir = CgroupLink.openCgroup(prog.fd().calls(), cgroup);
        try {
            return attach(prog, dir, attachType, flags);
        } catch (RuntimeException e) {
            dir.close();
            throw e;
        }
    }

    /**
     * Attaches {@code prog} to {@code target} (a cgroup, a sockmap, a netns...), taking ownership
     * of {@code target}. The program descriptor is duplicated so detaching works after the caller
     * closes its {@link BpfProgram}.
     */
    public static ProgAttachment attach(BpfProgram prog, OwnedFd target, AttachType attachType, int flags) {
        try (BpfAttr.ProgAttach attr = new BpfAttr.ProgAttach(BpfCommand.BPF_PROG_ATTACH)) {
            attr.targetFd(target.fd()).attachBpfFd(prog.fd().fd()).attachType(attachType.value()).attachFlags(flags);
            Bpf.of(prog.fd()).call(attr, "check that the program type matches " + attachType.kernelName()
                    + " and the flags agree with programs already attached");
        }
        return new ProgAttachment(target, prog.fd().dup(), attachType);
    }

    public AttachType attachType() {
        return attachType;
    }

    /** Detaches (BPF_PROG_DETACH) and closes the descriptors; later calls do nothing. */
    @Override
    public void close() {
        if (!detached.compareAndSet(false, true)) {
            return;
        }
        try (BpfAttr.ProgAttach attr = new BpfAttr.ProgAttach(BpfCommand.BPF_PROG_DETACH)) {
            attr.targetFd(target.fd()).attachBpfFd(program.fd()).attachType(attachType.value());
            Bpf.of(program).call(attr);
        } finally {
            program.close();
            target.close();
        }
    }
}
