package dev.bpflux.kernel;

import com.sun.jna.LastErrorException;
import dev.bpflux.BpfException;
import dev.bpflux.BpfNotSupportedException;
import dev.bpflux.sys.Errno;
import dev.bpflux.sys.SystemCalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where tracefs is: {@code /sys/kernel/tracing} (4.1+) or, on older setups, the debugfs copy at
 * {@code /sys/kernel/debug/tracing}. When neither is mounted and we are root, tracefs is mounted
 * at {@code /sys/kernel/tracing}. Found once and cached.
 */
public final class Tracefs {
    static final Path PRIMARY = Path.of("/sys/kernel/tracing");
    static final Path DEBUGFS = Path.of("/sys/kernel/debug/tracing");
    private static volatile Path root;

    private Tracefs() {
    }

    /** The tracefs mount point. */
    public static Path root() {
        Path r = root;
        if (r == null) {
            r = locate();
            root = r;
        }
        return r;
    }

    private static Path locate() {
        for (Path p : new Path[] {PRIMARY, DEBUGFS}) {
            if (Files.isDirectory(p.resolve("events"))) {
                return p;
            }
        }
        if (Files.isDirectory(PRIMARY)) {
            try {
                SystemCalls.linux().mount("tracefs", PRIMARY.toString(), "tracefs", 0, null);
                if (Files.isDirectory(PRIMARY.resolve("events"))) {
                    return PRIMARY;
                }
            } catch (LastErrorException e) {
                throw new BpfException("tracefs is not mounted and mounting it at " + PRIMARY + " failed with "
                        + Errno.name(e.getErrorCode()) + " (" + Errno.describe(e.getErrorCode())
                        + "); mount it yourself: mount -t tracefs tracefs " + PRIMARY);
            }
        }
        throw new BpfNotSupportedException("tracefs", "neither " + PRIMARY + " nor " + DEBUGFS
                + " exists; the kernel needs CONFIG_TRACING (tracefs)");
    }

    /**
     * The perf event id of tracepoint {@code category/name}, from {@code events/<category>/<name>/id}.
     * An unknown tracepoint is a {@link BpfException} naming the path it looked at.
     */
    public static int tracepointId(String category, String name) {
        if (category.contains("/") || name.contains("/") || category.contains("..") || name.contains("..")) {
            throw new IllegalArgumentException("tracepoint category and name must not contain '/' or '..': "
                    + category + "/" + name);
        }
        Path id = root().resolve("events").resolve(category).resolve(name).resolve("id");
        try {
            return Integer.parseInt(Files.readString(id).strip());
        } catch (java.nio.file.NoSuchFileException e) {
            throw new BpfException("tracepoint " + category + "/" + name + " does not exist: " + id
                    + " is missing (see " + root().resolve("available_events") + " for the tracepoints this kernel has)");
        } catch (IOException | NumberFormatException e) {
            throw new BpfException("cannot read tracepoint id from " + id + ": " + e.getMessage(), e);
        }
    }
}
