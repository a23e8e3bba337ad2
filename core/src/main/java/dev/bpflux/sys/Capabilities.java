package dev.bpflux.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's effective capabilities (CapEff in /proc/self/status), so an EPERM can be told
 * apart: missing privilege, or a kernel that refuses even a privileged caller. bpf(2) checks
 * CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN against the initial user namespace: inside another one
 * (rootless containers, {@code unshare -r}) a full CapEff grants nothing for BPF, so it only counts
 * where this process's user namespace is the initial one.
 */
public final class Capabilities {
    static final int CAP_SYS_ADMIN = 21;
    static final int CAP_PERFMON = 38;
    static final int CAP_BPF = 39;

    /** What bpf(2) needs of a process for loading and attaching, in the one wording every message uses. */
    public static final String BPF_PRIVILEGES = "root, or CAP_BPF and CAP_PERFMON (CAP_SYS_ADMIN before Linux 5.8)";

    private Capabilities() {
    }

    /** Whether this process may use bpf(2) fully: CAP_SYS_ADMIN, or CAP_BPF with CAP_PERFMON (5.8+). */
    public static boolean hasBpfPrivileges() {
        long caps = effective();
        return ((caps & (1L << CAP_SYS_ADMIN)) != 0
                || ((caps & (1L << CAP_BPF)) != 0 && (caps & (1L << CAP_PERFMON)) != 0))
                && inInitialUserNamespace();
    }

    /**
     * Whether this process is in the initial user namespace: its uid_map is the identity over the
     * whole range ({@code "0 0 4294967295"}), which no child namespace can have.
     */
    static boolean inInitialUserNamespace() {
        try {
            return isInitialUidMap(Files.readString(Path.of("/proc/self/uid_map")));
        } catch (IOException e) {
            return true; // no user namespaces in this kernel (CONFIG_USER_NS=n): there is only the initial one
        }
    }

    static boolean isInitialUidMap(String uidMap) {
        String[] f = uidMap.strip().split("\\s+");
        return f.length == 3 && f[0].equals("0") && f[1].equals("0") && f[2].equals("4294967295");
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
