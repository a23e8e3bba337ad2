package dev.bpflux.link;

import dev.bpflux.BpfNotSupportedException;
import dev.bpflux.obj.AttachType;
import dev.bpflux.prog.BpfProgram;
import dev.bpflux.sys.Bpf;
import dev.bpflux.sys.BpfAttr;
import dev.bpflux.sys.Errno;
import dev.bpflux.sys.OwnedFd;
import dev.bpflux.sys.PerfEvents;
import dev.bpflux.sys.SyscallErrors;
import java.util.List;

/**
 * A program attached to a perf event (tracepoint, kprobe, uprobe or any other event fd).
 *
 * <p>On 5.15+ this is a BPF link ({@code BPF_LINK_CREATE} with attach type BPF_PERF_EVENT), which
 * also carries the {@code bpf_get_attach_cookie()} value. Older kernels get the ioctls
 * PERF_EVENT_IOC_SET_BPF and PERF_EVENT_IOC_ENABLE (4.1+), which have no cookie: a non-zero
 * cookie there is a {@link BpfNotSupportedException}.
 *
 * <p>The link owns the perf event and closes it after the link.
 */
public class PerfEventLink extends BpfLink {
    private static volatile Boolean linkSupported;

    protected PerfEventLink(OwnedFd fd, boolean bpfLink, List<OwnedFd> alsoOwned) {
        super(fd, bpfLink, alsoOwned);
    }

    /**
     * Attaches {@code prog} to {@code event}, taking ownership of the event (it is closed when
     * attaching fails, too).
     */
    public static PerfEventLink attach(BpfProgram prog, OwnedFd event, long cookie) {
        try {
            Attached a = attachTo(prog, event, cookie);
            return new PerfEventLink(a.fd, a.bpfLink, a.alsoOwned);
        } catch (RuntimeException e) {
            event.close();
            throw e;
        }
    }

    /** Tests: take the pre-5.15 ioctl path (true) or detect again (false). */
    static void forceLegacyAttach(boolean legacy) {
        linkSupported = legacy ? Boolean.FALSE : null;
    }

    record Attached(OwnedFd fd, boolean bpfLink, List<OwnedFd> alsoOwned) {
    }

    /** Does the attaching for subclasses; does not close {@code event} on failure. */
    static Attached attachTo(BpfProgram prog, OwnedFd event, long cookie) {
        String what = prog.fd().what() + " on " + event.what();
        if (!Boolean.FALSE.equals(linkSupported)) {
            try (BpfAttr.LinkCreate attr = new BpfAttr.LinkCreate()) {
                attr.progFd(prog.fd().fd()).targetFd(event.fd()).attachType(AttachType.PERF_EVENT.value())
                        .perfEventCookie(cookie);
                int r = Bpf.of(prog.fd()).tryCall(attr);
                if (r >= 0) {
                    linkSupported = Boolean.TRUE;
                    OwnedFd link = OwnedFd.adopt(r, "perf link of " + what, prog.fd().calls());
                    try {
                        PerfEvents.enable(event); // a no-op for events opened enabled; needed for disabled ones
                    } catch (RuntimeException e) {
                        link.close();
                        throw e;
                    }
                    return new Attached(link, true, List.of(event));
                }
                // Before 5.15 LINK_CREATE does not know BPF_PERF_EVENT: EINVAL. E2BIG would mean an even
                // older kernel rejecting the cookie bytes. Anything else is a real error.
                if (!(r == -Errno.EINVAL || r == -Errno.E2BIG) || Boolean.TRUE.equals(linkSupported)) {
                    throw SyscallErrors.exception("BPF_LINK_CREATE (BPF_PERF_EVENT) of " + what, -r,
                            hint(-r));
                }
                linkSupported = Boolean.FALSE;
            }
        }
        if (cookie != 0) {
            throw new BpfNotSupportedException("BPF cookie for perf event attachments",
                    "bpf_get_attach_cookie() on tracepoints, kprobes and uprobes needs Linux 5.15 (BPF perf links)");
        }
        PerfEvents.setBpf(event, prog.fd());
        PerfEvents.enable(event);
        return new Attached(event, false, List.of());
    }

    private static String hint(int errno) {
        return switch (errno) {
            case Errno.EINVAL -> "the program type must match the event (tracepoint, kprobe or perf_event)";
            case Errno.EEXIST -> "a program is already attached to this event";
            default -> null;
        };
    }

}
