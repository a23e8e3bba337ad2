package dev.bpflux.link;

import dev.bpflux.BpfException;
import dev.bpflux.obj.AttachType;
import dev.bpflux.prog.BpfProgram;
import dev.bpflux.obj.ProgramType;
import dev.bpflux.sys.Bpf;
import dev.bpflux.sys.BpfAttr;
import dev.bpflux.sys.Errno;
import dev.bpflux.sys.OwnedFd;
import dev.bpflux.sys.SyscallErrors;
import java.util.List;

/**
 * A BTF-typed program on its target: tp_btf, fentry, fexit, fmod_ret ({@code BPF_PROG_TYPE_TRACING})
 * or an LSM hook ({@code BPF_PROG_TYPE_LSM}). The target was fixed at load time (attach_btf_id),
 * so attaching names nothing.
 *
 * <p>Uses BPF_LINK_CREATE with the program's attach type (5.10+; 6.0+ for the cookie) and falls
 * back to BPF_RAW_TRACEPOINT_OPEN with a null name on older kernels (5.5+), which takes no cookie.
 */
public final class TracingLink extends BpfLink {
    private TracingLink(OwnedFd fd) {
        super(fd, true, List.of());
    }

    /** Attaches {@code prog}, which must know its expected attach type (it was loaded with one). */
    public static TracingLink attach(BpfProgram prog) {
        return attach(prog, 0);
    }

    /** With a {@code bpf_get_attach_cookie()} value (6.0). */
    public static TracingLink attach(BpfProgram prog, long cookie) {
        AttachType type = prog.expectedAttachType();
        if (type == null) {
            if (prog.type() == ProgramType.LSM) {
                type = AttachType.LSM_MAC;
            } else {
                throw new BpfException("cannot attach " + prog.fd().what() + " as a tracing link: its expected attach "
                        + "type (BPF_TRACE_RAW_TP, BPF_TRACE_FENTRY, ...) is unknown; load it with one");
            }
        }
        String what = "tracing link (" + type.kernelName() + ") of " + prog.fd().what();
        try (BpfAttr.LinkCreate attr = new BpfAttr.LinkCreate()) {
            attr.progFd(prog.fd().fd()).attachType(type.value());
            if (cookie != 0) {
                attr.tracingCookie(cookie);
            }
            int r = Bpf.of(prog.fd()).tryCall(attr);
            if (r >= 0) {
                return new TracingLink(OwnedFd.adopt(r, what, prog.fd().calls()));
            }
            boolean old = r == -Errno.EINVAL && cookie == 0;
            if (!old) {
                throw SyscallErrors.exception("BPF_LINK_CREATE (" + type.kernelName() + ") of " + prog.fd().what(), -r,
                        cookie != 0 && (r == -Errno.EINVAL || r == -Errno.E2BIG)
                                ? "tracing cookies need Linux 6.0" : null);
            }
        }
        return attachWithRawTracepointOpen(prog, what);
    }

    /** Before 5.10 tracing programs attach through RAW_TRACEPOINT_OPEN with no name (package-private for tests). */
    static TracingLink attachWithRawTracepointOpen(BpfProgram prog, String what) {
        try (BpfAttr.RawTracepointOpen attr = new BpfAttr.RawTracepointOpen()) {
            attr.progFd(prog.fd().fd());
            return new TracingLink(Bpf.of(prog.fd()).callForFd(attr, what, null));
        }
    }
}
