package dev.bpflux.link;

import com.sun.jna.Memory;
import dev.bpflux.BpfException;
import dev.bpflux.BpfNotSupportedException;
import dev.bpflux.obj.AttachType;
import dev.bpflux.prog.BpfProgram;
import dev.bpflux.sys.Bpf;
import dev.bpflux.sys.BpfAttr;
import dev.bpflux.sys.Errno;
import dev.bpflux.sys.OwnedFd;
import dev.bpflux.sys.SyscallErrors;
import java.nio.file.Path;
import java.util.List;

/**
 * One program on many functions of one binary as a single link (BPF_LINK_CREATE with
 * BPF_TRACE_UPROBE_MULTI, 6.6). The program must be loaded with expected attach type
 * {@link AttachType#TRACE_UPROBE_MULTI}; each offset may carry its own cookie.
 */
public final class UprobeMultiLink extends BpfLink {
    /** BPF_F_UPROBE_MULTI_RETURN: probe the returns instead of the entries. */
    public static final int BPF_F_UPROBE_MULTI_RETURN = 1;

    private final Path binary;
    private final long[] offsets;

    private UprobeMultiLink(OwnedFd fd, Path binary, long[] offsets) {
        super(fd, true, List.of());
        this.binary = binary;
        this.offsets = offsets.clone();
    }

    /** Attaches to functions {@code symbols} of {@code binary} (file offsets resolved from its ELF symbols). */
    public static UprobeMultiLink attachSymbols(BpfProgram prog, Path binary, List<String> symbols, long[] cookies,
            int pid, boolean returnProbes) {
        long[] offsets = new long[symbols.size()];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = UprobeLink.symbolOffset(binary, symbols.get(i));
        }
        return attach(prog, binary, offsets, cookies, pid, returnProbes);
    }

    /**
     * Attaches at file {@code offsets} of {@code binary}; {@code cookies} is null or one per
     * offset; {@code pid} limits to one process ({@link UprobeLink#ALL_PROCESSES} for all).
     */
    public static UprobeMultiLink attach(BpfProgram prog, Path binary, long[] offsets, long[] cookies, int pid,
            boolean returnProbes) {
        if (offsets.length == 0) {
            throw new IllegalArgumentException("uprobe_multi needs at least one offset");
        }
        if (cookies != null && cookies.length != offsets.length) {
            throw new IllegalArgumentException("need one cookie per offset: " + offsets.length + " offsets, "
                    + cookies.length + " cookies");
        }
        String what = "uprobe_multi link of " + prog.fd().what() + " on " + offsets.length + " offsets of " + binary;
        try (Memory offs = new Memory(8L * offsets.length); Memory cks = new Memory(8L * offsets.length);
                BpfAttr.LinkCreate attr = new BpfAttr.LinkCreate()) {
            offs.write(0, offsets, 0, offsets.length);
            if (cookies != null) {
                cks.write(0, cookies, 0, cookies.length);
            }
            attr.progFd(prog.fd().fd()).attachType(AttachType.TRACE_UPROBE_MULTI.value())
                    .uprobeMulti(binary.toAbsolutePath().toString(), offs, null, cookies == null ? null : cks,
                            offsets.length, returnProbes ? BPF_F_UPROBE_MULTI_RETURN : 0, Math.max(pid, 0));
            int r = Bpf.of(prog.fd()).tryCall(attr);
            if (r < 0) {
                if (r == -Errno.EINVAL && !dev.bpflux.kernel.KernelVersion.current().atLeast(6, 6)) {
                    throw new BpfNotSupportedException("uprobe_multi links", "need Linux 6.6 or later",
                            SyscallErrors.plain("BPF_LINK_CREATE of " + what, Errno.EINVAL, null));
                }
                if (r == -Errno.ESRCH) {
                    throw new BpfException("cannot attach " + what + ": no process " + pid);
                }
                throw SyscallErrors.exception("BPF_LINK_CREATE of " + what, -r, -r == Errno.EINVAL
                        ? "the program must be loaded with expected attach type BPF_TRACE_UPROBE_MULTI" : null);
            }
            return new UprobeMultiLink(OwnedFd.adopt(r, what, prog.fd().calls()), binary, offsets);
        }
    }

    public Path binary() {
        return binary;
    }

    public long[] offsets() {
        return offsets.clone();
    }
}
