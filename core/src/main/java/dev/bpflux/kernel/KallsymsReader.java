package dev.bpflux.kernel;

import dev.bpflux.BpfException;
import dev.bpflux.obj.extern.KallsymsLookup;
import dev.bpflux.obj.extern.KallsymsScanner;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Finds the addresses of kernel symbols for untyped {@code __ksym} externs. The kernel formats
 * {@code /proc/kallsyms} as it is read (~120k lines, tens of milliseconds of kernel CPU), so
 * {@link #system()} first asks the kernel directly, name by name, through a tiny BPF program calling
 * {@code bpf_kallsyms_lookup_name()} (Linux 5.16, CAP_BPF and CAP_SYS_ADMIN; {@link KallsymsLookupProgram}),
 * and reads the file only when that is not possible: older kernels, fewer privileges, or the kernel hiding
 * addresses (then the file scan explains why). The file is read in one streaming pass that keeps only the
 * wanted names ({@link KallsymsScanner}), and each {@link #lookup} reads it at most once.
 *
 * <p>Addresses read as 0 when {@code kernel.kptr_restrict} is 2, or 1 and the reader lacks CAP_SYSLOG;
 * {@link KallsymsLookup#zeroed()} says so, with {@link #restrictionReason()} explaining which.
 */
public final class KallsymsReader {
    private static final Path PROC_KALLSYMS = Path.of("/proc/kallsyms");
    private static final Path KPTR_RESTRICT = Path.of("/proc/sys/kernel/kptr_restrict");
    private static final KallsymsReader SYSTEM = new KallsymsReader(PROC_KALLSYMS, dev.bpflux.sys.Bpf.system());
    private static final KallsymsReader SCANNING = new KallsymsReader(PROC_KALLSYMS, null);

    private final Path path;
    /** Asks the kernel through a BPF program when set; null: always scan the file. */
    private final dev.bpflux.sys.Bpf bpf;
    private volatile boolean programUnavailable;
    private volatile Boolean dataSymbols;

    private KallsymsReader(Path path, dev.bpflux.sys.Bpf bpf) {
        this.path = path;
        this.bpf = bpf;
    }

    /** The running kernel's {@code /proc/kallsyms}. */
    public static KallsymsReader system() {
        return SYSTEM;
    }

    /** The running kernel's {@code /proc/kallsyms}, always scanning the file (benchmarks, comparisons). */
    public static KallsymsReader scanning() {
        return SCANNING;
    }

    /** A kallsyms-format file (tests, saved copies). */
    public static KallsymsReader of(Path path) {
        return new KallsymsReader(path, null);
    }

    /** Looks up {@code names}: through the kernel when possible, else in one pass over the file. */
    public KallsymsLookup lookup(Set<String> names) {
        if (bpf != null && !programUnavailable && !names.isEmpty()) {
            java.util.Optional<KallsymsLookupProgram> prog = KallsymsLookupProgram.load(bpf);
            if (prog.isEmpty()) {
                programUnavailable = true; // old kernel or no privilege: it will not change
            } else {
                try (KallsymsLookupProgram p = prog.get()) {
                    java.util.Optional<java.util.Map<String, java.util.List<Long>>> found = p.lookup(names);
                    if (found.isPresent()) {
                        return new KallsymsLookup(found.get(), false, "kernel symbols (kallsyms_lookup_name())", null);
                    }
                }
            }
        }
        return scanFile(names);
    }

    /** Looks up {@code names} in one pass over the file. */
    public KallsymsLookup scanFile(Set<String> names) {
        KallsymsScanner scanner = scan(names);
        KallsymsLookup l = scanner.finish(path.toString());
        if (dataSymbols == null) {
            dataSymbols = scanner.hasDataSymbols();
        }
        if (l.zeroed()) {
            return new KallsymsLookup(l.addresses(), true, l.source(), restrictionReason());
        }
        return l;
    }

    /**
     * Whether kallsyms lists data symbols, i.e. the kernel has CONFIG_KALLSYMS_ALL (typed {@code __ksym}
     * variables need it: the kernel finds their addresses through kallsyms). Scans the file once.
     */
    public boolean hasDataSymbols() {
        Boolean d = dataSymbols;
        if (d == null) {
            d = scan(Set.of()).hasDataSymbols();
            dataSymbols = d;
        }
        return d;
    }

    private KallsymsScanner scan(Set<String> names) {
        KallsymsScanner scanner = new KallsymsScanner(names);
        byte[] buf = new byte[1 << 17];
        try (InputStream in = Files.newInputStream(path)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                scanner.accept(buf, 0, n);
            }
        } catch (IOException e) {
            throw new BpfException("cannot read " + path + " to resolve untyped __ksym externs: " + e.getMessage()
                    + (Files.exists(path) ? "" : " (the kernel was built without CONFIG_KALLSYMS)"), e);
        }
        return scanner;
    }

    /** Why addresses are hidden, from {@code kernel.kptr_restrict}. */
    public static String restrictionReason() {
        String v;
        try {
            v = Files.readString(KPTR_RESTRICT).strip();
        } catch (IOException e) {
            v = "?";
        }
        switch (v) {
            case "2":
                return "kernel.kptr_restrict is 2, which hides kernel addresses from everyone (sysctl "
                        + "kernel.kptr_restrict=1 shows them to CAP_SYSLOG holders)";
            case "1":
                return "kernel.kptr_restrict is 1 and this process lacks CAP_SYSLOG (run as root or grant CAP_SYSLOG)";
            default:
                return "the addresses are hidden from this process (kernel.kptr_restrict=" + v
                        + "; it needs CAP_SYSLOG, and an unprivileged user always sees 0)";
        }
    }

    @Override
    public String toString() {
        return "KallsymsReader[" + path + "]";
    }
}
