package dev.bpflux.kernel;

import com.sun.jna.LastErrorException;
import dev.bpflux.BpfException;
import dev.bpflux.sys.Capabilities;
import dev.bpflux.sys.Errno;
import dev.bpflux.sys.SystemCalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The BPF filesystem at {@code /sys/fs/bpf}, where pins live. Systemd mounts it at boot; minimal
 * systems, containers and VMs often do not. As {@code bpftool} does before pinning, bpflux mounts it
 * there on demand when it is missing and the process is privileged, so that pinning under the
 * default directory works on a machine booted without it. Other directories are never mounted
 * over: a path outside {@code /sys/fs/bpf} is the caller's choice and must already be on a bpffs.
 */
public final class Bpffs {
    /** Where bpffs is conventionally mounted, and bpflux's default pin directory. */
    public static final Path DEFAULT_MOUNT = Path.of("/sys/fs/bpf");

    private Bpffs() {
    }

    /**
     * Mounts bpffs at {@link #DEFAULT_MOUNT} if {@code path} lies under it and it is not mounted.
     * Does nothing for other paths, when it is mounted already, or when the process lacks the
     * privilege to mount (the pin itself then fails with the kernel's own error).
     *
     * @throws BpfException when a privileged mount fails, naming the errno and the command to run
     */
    public static void mountIfMissing(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        if (!absolute.startsWith(DEFAULT_MOUNT) || isMounted(DEFAULT_MOUNT) || !Capabilities.hasBpfPrivileges()
                || !Files.isDirectory(DEFAULT_MOUNT)) {
            return;
        }
        synchronized (Bpffs.class) {
            if (isMounted(DEFAULT_MOUNT)) {
                return;
            }
            try {
                SystemCalls.linux().mount("bpf", DEFAULT_MOUNT.toString(), "bpf", 0, "mode=0700");
            } catch (LastErrorException e) {
                if (e.getErrorCode() == Errno.EPERM) {
                    return; // CAP_BPF without CAP_SYS_ADMIN may pin but not mount: let the pin report it
                }
                throw new BpfException("bpffs is not mounted at " + DEFAULT_MOUNT + " and mounting it failed with "
                        + Errno.name(e.getErrorCode()) + " (" + Errno.describe(e.getErrorCode())
                        + "); mount it yourself: mount -t bpf bpf " + DEFAULT_MOUNT);
            }
        }
    }

    /** Whether a bpffs is mounted exactly at {@code mountPoint}, from /proc/self/mountinfo. */
    public static boolean isMounted(Path mountPoint) {
        try {
            return mountedAt(Files.readAllLines(Path.of("/proc/self/mountinfo")), mountPoint.toString());
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Whether {@code mountinfo} lines (proc(5): "36 35 98:0 / /mnt rw - ext3 /dev/root rw") hold a
     * filesystem of type {@code bpf} mounted at {@code mountPoint}; the type follows the "-" field.
     */
    static boolean mountedAt(List<String> mountinfo, String mountPoint) {
        for (String line : mountinfo) {
            String[] f = line.split(" ");
            if (f.length < 7 || !f[4].equals(mountPoint)) {
                continue;
            }
            for (int i = 6; i + 1 < f.length; i++) {
                if (f[i].equals("-")) {
                    if (f[i + 1].equals("bpf")) {
                        return true;
                    }
                    break;
                }
            }
        }
        return false;
    }
}
