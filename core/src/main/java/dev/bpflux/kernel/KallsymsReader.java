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
 * Reads {@code /proc/kallsyms} for the addresses of some symbols, in one streaming pass that keeps only
 * the wanted names ({@link KallsymsScanner}). The kernel formats the file as it is read (~120k lines,
 * tens of milliseconds), so it is read only when a program has untyped {@code __ksym} externs, and each
 * {@link #lookup} reads it once for all of them.
 *
 * <p>Addresses read as 0 when {@code kernel.kptr_restrict} is 2, or 1 and the reader lacks CAP_SYSLOG;
 * {@link KallsymsLookup#zeroed()} says so, with {@link #restrictionReason()} explaining which.
 */
public final class KallsymsReader {
    private static final Path PROC_KALLSYMS = Path.of("/proc/kallsyms");
    private static final Path KPTR_RESTRICT = Path.of("/proc/sys/kernel/kptr_restrict");
    private static final KallsymsReader SYSTEM = new KallsymsReader(PROC_KALLSYMS);

    private final Path path;
    private volatile Boolean dataSymbols;

    private KallsymsReader(Path path) {
        this.path = path;
    }

    /** The running kernel's {@code /proc/kallsyms}. */
    public static KallsymsReader system() {
        return SYSTEM;
    }

    /** A kallsyms-format file (tests, saved copies). */
    public static KallsymsReader of(Path path) {
        return new KallsymsReader(path);
    }

    /** Looks up {@code names} in one pass over the file. */
    public KallsymsLookup lookup(Set<String> names) {
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
