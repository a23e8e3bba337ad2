package dev.bpflux.link;

import dev.bpflux.kernel.Tracefs;
import dev.bpflux.prog.BpfProgram;
import dev.bpflux.sys.OwnedFd;
import dev.bpflux.sys.PerfEventAttr;
import dev.bpflux.sys.PerfEvents;

/**
 * A {@code BPF_PROG_TYPE_TRACEPOINT} program on a tracepoint, e.g. {@code syscalls/sys_enter_write}.
 *
 * <p>The tracepoint's id comes from tracefs ({@code events/<category>/<name>/id}, mounted if
 * needed); a perf event of type PERF_TYPE_TRACEPOINT is opened for it (all processes, CPU 0: the
 * program runs on every CPU regardless) and the program attached as a {@link PerfEventLink}.
 *
 * <p>Minimum kernel: 4.7 (tracepoint programs); the attach cookie needs 5.15.
 */
public final class TracepointLink extends PerfEventLink {
    private final String category;
    private final String name;

    private TracepointLink(Attached a, String category, String name) {
        super(a.fd(), a.bpfLink(), a.alsoOwned());
        this.category = category;
        this.name = name;
    }

    /** Attaches {@code prog} to tracepoint {@code category/name}. */
    public static TracepointLink attach(BpfProgram prog, String category, String name) {
        return attach(prog, category, name, 0);
    }

    /** As {@link #attach(BpfProgram, String, String)}, with a {@code bpf_get_attach_cookie()} value (5.15). */
    public static TracepointLink attach(BpfProgram prog, String category, String name, long cookie) {
        int id = Tracefs.tracepointId(category, name);
        OwnedFd event;
        try (PerfEventAttr attr = new PerfEventAttr()) {
            attr.type(PerfEventAttr.PERF_TYPE_TRACEPOINT).config(id);
            event = PerfEvents.open(prog.fd().calls(), attr, -1, 0, -1, 0, "tracepoint " + category + "/" + name);
        }
        try {
            return new TracepointLink(attachTo(prog, event, cookie), category, name);
        } catch (RuntimeException e) {
            event.close();
            throw e;
        }
    }

    public String category() {
        return category;
    }

    public String name() {
        return name;
    }

}
