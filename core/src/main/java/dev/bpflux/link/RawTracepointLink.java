package dev.bpflux.link;

import dev.bpflux.prog.BpfProgram;
import dev.bpflux.sys.Bpf;
import dev.bpflux.sys.BpfAttr;
import dev.bpflux.sys.Errno;
import java.util.List;

/**
 * A {@code BPF_PROG_TYPE_RAW_TRACEPOINT} program on a raw tracepoint such as {@code sys_enter}
 * (BPF_RAW_TRACEPOINT_OPEN, 4.17). The program sees the tracepoint's raw arguments; no tracefs
 * or perf event is involved.
 */
public final class RawTracepointLink extends BpfLink {
    private final String tracepoint;

    private RawTracepointLink(dev.bpflux.sys.OwnedFd fd, String tracepoint) {
        super(fd, true, List.of());
        this.tracepoint = tracepoint;
    }

    /** Attaches {@code prog} to raw tracepoint {@code name} (e.g. {@code "sched_switch"}). */
    public static RawTracepointLink attach(BpfProgram prog, String name) {
        return attach(prog, name, 0);
    }

    /** With a {@code bpf_get_attach_cookie()} value (6.10; older kernels refuse a non-zero one with E2BIG). */
    public static RawTracepointLink attach(BpfProgram prog, String name, long cookie) {
        try (BpfAttr.RawTracepointOpen attr = new BpfAttr.RawTracepointOpen()) {
            attr.name(name).progFd(prog.fd().fd()).cookie(cookie);
            int r = Bpf.of(prog.fd()).tryCall(attr);
            if (r < 0) {
                String hint = switch (-r) {
                    case Errno.ENOENT -> "there is no raw tracepoint named '" + name + "' in this kernel";
                    case Errno.EINVAL -> "the program must be of type RAW_TRACEPOINT (or tracing with a null name)";
                    case Errno.E2BIG -> "raw tracepoint cookies need Linux 6.10";
                    default -> null;
                };
                throw dev.bpflux.sys.SyscallErrors.exception("BPF_RAW_TRACEPOINT_OPEN of " + prog.fd().what()
                        + " on '" + name + "'", -r, hint);
            }
            return new RawTracepointLink(dev.bpflux.sys.OwnedFd.adopt(r, "raw tracepoint link " + name + " of "
                    + prog.fd().what(), prog.fd().calls()), name);
        }
    }

    public String tracepoint() {
        return tracepoint;
    }
}
