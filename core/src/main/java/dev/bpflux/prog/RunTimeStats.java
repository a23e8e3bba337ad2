package dev.bpflux.prog;

import dev.bpflux.sys.Bpf;
import dev.bpflux.sys.BpfAttr;
import dev.bpflux.sys.OwnedFd;

/**
 * Turns on the kernel's per-program run-time accounting (BPF_ENABLE_STATS with
 * BPF_STATS_RUN_TIME, 5.8) for as long as the returned handle is open: {@link ProgramInfo#runTimeNanos()}
 * and {@link ProgramInfo#runCount()} then count. It costs every program a clock read per run.
 */
public final class RunTimeStats {
    private static final int BPF_STATS_RUN_TIME = 0;

    private RunTimeStats() {
    }

    /** Enables the statistics until the returned descriptor is closed. */
    public static OwnedFd enable() {
        try (BpfAttr.EnableStats attr = new BpfAttr.EnableStats()) {
            attr.type(BPF_STATS_RUN_TIME);
            return Bpf.system().callForFd(attr, "run-time statistics", "BPF_ENABLE_STATS needs Linux 5.8");
        }
    }
}
