package dev.bpflux.link;

import dev.bpflux.BpfException;
import dev.bpflux.BpfNotSupportedException;
import dev.bpflux.BpfSyscallException;
import dev.bpflux.prog.BpfProgram;
import dev.bpflux.sys.Errno;
import dev.bpflux.sys.OwnedFd;
import dev.bpflux.sys.PerfEventAttr;
import dev.bpflux.sys.PerfEvents;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A {@code BPF_PROG_TYPE_KPROBE} program on a kernel function's entry (kprobe) or return
 * (kretprobe), through the kprobe PMU (4.17+): a perf event of the type in
 * {@code /sys/bus/event_source/devices/kprobe/type}, with {@code config1} pointing at the symbol,
 * {@code config2} the offset and, for a return probe, the bit named in {@code format/retprobe}
 * set in {@code config}.
 *
 * <p>A kernel built without CONFIG_KPROBES has no kprobe PMU: attaching then fails with a
 * {@link BpfNotSupportedException} saying so.
 *
 * <p>Minimum kernel: 4.17 (kprobe PMU); the attach cookie needs 5.15.
 */
public final class KprobeLink extends PerfEventLink {
    static final Path PMU = Path.of("/sys/bus/event_source/devices/kprobe");

    private final String symbol;
    private final boolean returnProbe;

    private KprobeLink(Attached a, String symbol, boolean returnProbe) {
        super(a.fd(), a.bpfLink(), a.alsoOwned());
        this.symbol = symbol;
        this.returnProbe = returnProbe;
    }

    /** Attaches to the entry of kernel function {@code symbol}. */
    public static KprobeLink attach(BpfProgram prog, String symbol) {
        return attach(prog, symbol, 0, false, 0);
    }

    /**
     * Attaches to {@code symbol} + {@code offset} (entry when {@code returnProbe} is false, the
     * return otherwise; offsets are for entry probes only) with an attach cookie (5.15).
     */
    public static KprobeLink attach(BpfProgram prog, String symbol, long offset, boolean returnProbe, long cookie) {
        if (returnProbe && offset != 0) {
            throw new IllegalArgumentException("a kretprobe on " + symbol + " cannot have an offset (" + offset + ")");
        }
        int type = ProbePmu.type(PMU, "kprobe",
                "kprobes are compiled out of this kernel (CONFIG_KPROBES is not set): there is no kprobe PMU at "
                        + PMU + "; use tracepoints, raw tracepoints or fentry/fexit (tp_btf, BPF trampolines) instead");
        String what = (returnProbe ? "kretprobe " : "kprobe ") + symbol + (offset != 0 ? "+" + offset : "");
        OwnedFd event;
        try (PerfEventAttr attr = new PerfEventAttr()) {
            attr.type(type).config1String(symbol).config2(offset);
            if (returnProbe) {
                attr.config(1L << ProbePmu.retprobeBit(PMU, "kprobe"));
            }
            try {
                event = PerfEvents.open(prog.fd().calls(), attr, -1, 0, -1, 0, what);
            } catch (BpfSyscallException e) {
                if (e.errno() == Errno.ENOENT || e.errno() == Errno.EINVAL) {
                    throw new BpfException("cannot probe kernel function " + symbol + ": it does not exist, is "
                            + "inlined, or is on the kprobe blacklist (see /sys/kernel/debug/kprobes/blacklist); "
                            + e.getMessage(), e);
                }
                throw e;
            }
        }
        try {
            return new KprobeLink(attachTo(prog, event, cookie), symbol, returnProbe);
        } catch (RuntimeException e) {
            event.close();
            throw e;
        }
    }

    /**
     * Attaches to a system call's kernel function: {@code name} is the syscall ("write");
     * {@code wrapped} says whether this kernel uses architecture syscall wrappers (4.17+ on x86_64,
     * arm64 and others), in which case the function is {@link #syscallPrefix()} + name, otherwise
     * {@code sys_} + name. Deciding {@code wrapped} (libbpf checks whether the prefixed symbol
     * exists) is the caller's job.
     */
    public static KprobeLink attachSyscall(BpfProgram prog, String name, boolean wrapped, boolean returnProbe,
            long cookie) {
        return attach(prog, syscallFunction(name, wrapped ? syscallPrefix() : null), 0, returnProbe, cookie);
    }

    /** The kernel function of syscall {@code name}: {@code archPrefix + name}, or {@code sys_ + name} when null. */
    public static String syscallFunction(String name, String archPrefix) {
        return (archPrefix == null ? "sys_" : archPrefix) + name;
    }

    /** The syscall wrapper prefix of this JVM's architecture, e.g. {@code __x64_sys_}. */
    public static String syscallPrefix() {
        return syscallPrefix(System.getProperty("os.arch", ""));
    }

    /** The syscall wrapper prefix for a Java {@code os.arch} value (arch/&lt;arch&gt;/include/asm/syscall_wrapper.h). */
    public static String syscallPrefix(String osArch) {
        return switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> "__x64_sys_";
            case "x86", "i386", "i686" -> "__ia32_sys_";
            case "aarch64" -> "__arm64_sys_";
            case "riscv64" -> "__riscv_sys_";
            case "s390x" -> "__s390x_sys_";
            case "ppc64", "ppc64le" -> "sys_";
            case "loongarch64" -> "sys_";
            default -> throw BpfNotSupportedException.inBpflux("syscall probes on " + osArch,
                    "bpflux does not know this architecture's syscall wrapper prefix");
        };
    }

    public String symbol() {
        return symbol;
    }

    public boolean isReturnProbe() {
        return returnProbe;
    }

    /** Reads the dynamic PMU facts kprobes and uprobes share. */
    static final class ProbePmu {
        private ProbePmu() {
        }

        static int type(Path pmu, String kind, String missing) {
            Path file = pmu.resolve("type");
            if (!Files.exists(file)) {
                throw new BpfNotSupportedException(kind + " attach", missing);
            }
            try {
                return Integer.parseInt(Files.readString(file).strip());
            } catch (IOException | NumberFormatException e) {
                throw new BpfException("cannot read the " + kind + " PMU type from " + file + ": " + e.getMessage(), e);
            }
        }

        /** The bit of {@code config} that makes a return probe, from {@code format/retprobe} ("config:0"). */
        static int retprobeBit(Path pmu, String kind) {
            Path file = pmu.resolve("format").resolve("retprobe");
            try {
                String s = Files.readString(file).strip();
                if (!s.startsWith("config:")) {
                    throw new BpfException("unexpected " + file + " contents '" + s + "'");
                }
                return Integer.parseInt(s.substring(7));
            } catch (IOException | NumberFormatException e) {
                throw new BpfNotSupportedException(kind + " return probes",
                        "cannot read " + file + " (" + e.getMessage() + ")", e);
            }
        }
    }
}
