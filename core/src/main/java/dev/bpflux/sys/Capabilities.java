package dev.bpflux.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's effective capabilities (CapEff in /proc/self/status), so an EPERM can be told
 * apart: missing privilege, or a kernel that refuses even a privileged caller.
 */
public final class Capabilities {
    static final int CAP_SYS_ADMIN = 21;
    static final int CAP_PERFMON = 38;
    static final int CAP_BPF = 39;

    private Capabilities() {
    }

    /** Whether this process may use bpf(2) fully: CAP_SYS_ADMIN, or CAP_BPF with CAP_PERFMON (5.8+). */
    public static boolean hasBpfPrivileges() {
        long caps = effective();
        return (caps & (1L << CAP_SYS_ADMIN)) != 0
                || ((caps & (1L << CAP_BPF)) != 0 && (caps & (1L << CAP_PERFMON)) != 0);
    }

    static long effective() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return Long.parseUnsignedLong(line.substring(7).trim(), 16);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
