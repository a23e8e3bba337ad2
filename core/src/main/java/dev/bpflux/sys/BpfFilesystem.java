package dev.bpflux.sys;

import com.sun.jna.LastErrorException;
import dev.bpflux.BpfException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * bpffs, the file system where maps, programs and links are pinned: whether a directory is on
 * it, mounting it at /sys/fs/bpf when the machine booted without it, and BPF_OBJ_PIN (4.4) with
 * errors that say why a pin failed. The kernel answers a pin outside bpffs with EPERM, which alone
 * reads like missing privilege; statfs tells the two apart.
 */
public final class BpfFilesystem {
    /** BPF_FS_MAGIC (include/uapi/linux/magic.h): statfs(2)'s {@code f_type} on a bpffs mount. */
    public static final long MAGIC = 0xcafe4a11L;
    /** Where bpffs is conventionally mounted, and bpflux's default pin directory. */
    public static final Path DEFAULT_MOUNT = Path.of("/sys/fs/bpf");

    private BpfFilesystem() {
    }

    /**
     * Mounts bpffs at {@link #DEFAULT_MOUNT} when {@code path} lies under it and it is not mounted
     * there (systemd mounts it at boot; minimal VMs and containers often do not), as bpftool does
     * before pinning. Other directories are the caller's choice and are never mounted over. Without
     * the privilege to mount this does nothing and the pin reports the kernel's refusal.
     */
    public static void mountIfMissing(Bpf bpf, Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        if (!absolute.startsWith(DEFAULT_MOUNT) || !Files.isDirectory(DEFAULT_MOUNT)
                || holds(bpf, nearestExisting(absolute)) || !Capabilities.hasBpfPrivileges()) {
            return; // a bpffs mounted below /sys/fs/bpf, or over it, is never hidden by another mount
        }
        synchronized (BpfFilesystem.class) {
            if (holds(bpf, DEFAULT_MOUNT)) {
                return;
            }
            try {
                bpf.calls().mount("bpf", DEFAULT_MOUNT.toString(), "bpf", 0, "mode=0700");
            } catch (LastErrorException e) {
                if (e.getErrorCode() == Errno.EPERM) {
                    return; // CAP_BPF without CAP_SYS_ADMIN may pin but not mount: the pin says why it fails
                }
                throw new BpfException("bpffs is not mounted at " + DEFAULT_MOUNT + " and mounting it failed with "
                        + Errno.name(e.getErrorCode()) + " (" + Errno.describe(e.getErrorCode())
                        + "); mount it yourself: mount -t bpf bpf " + DEFAULT_MOUNT);
            }
        }
    }

    private static Path nearestExisting(Path p) {
        while (p.getParent() != null && !Files.exists(p)) {
            p = p.getParent();
        }
        return p;
    }

    /** {@link #mountIfMissing(Bpf, Path)} through the real kernel. */
    public static void mountIfMissing(Path path) {
        mountIfMissing(Bpf.system(), path);
    }

    /** Whether the existing directory {@code dir} is on bpffs. */
    public static boolean holds(Path dir) {
        return holds(Bpf.system(), dir);
    }

    static boolean holds(Bpf bpf, Path dir) {
        try {
            return (Eintr.retry(() -> bpf.calls().statfsType(dir.toString())) & 0xffffffffL) == MAGIC;
        } catch (LastErrorException e) {
            throw SyscallErrors.plain("statfs of " + dir, e.getErrorCode(), null);
        }
    }

    /** The message for a pin directory outside bpffs, with what to do about it. */
    public static String notBpffs(Path dir) {
        return dir + " is not on a BPF filesystem (bpffs); mount one with `mount -t bpf bpf /sys/fs/bpf` "
                + "or choose a directory under it";
    }

    /**
     * Pins the object behind {@code fd} at {@code path} (BPF_OBJ_PIN). A failure names the path and
     * the reason: the file exists, the directory is missing, it is not bpffs, the name has a dot
     * (bpffs refuses those with EPERM), or privilege.
     */
    public static void pin(Bpf bpf, OwnedFd fd, Path path) {
        mountIfMissing(bpf, path);
        try (BpfAttr.Obj attr = new BpfAttr.Obj(BpfCommand.BPF_OBJ_PIN)) {
            attr.pathname(path.toString()).bpfFd(fd.fd());
            int r = bpf.tryCall(attr);
            if (r >= 0) {
                return;
            }
            int errno = -r;
            String operation = "BPF_OBJ_PIN of " + fd.what() + " at " + path;
            Path dir = path.toAbsolutePath().getParent();
            if (errno == Errno.EEXIST) {
                throw SyscallErrors.plain(operation, errno, path + " already exists; remove it (rm " + path
                        + ") or pin elsewhere");
            }
            if (errno == Errno.ENOENT) {
                throw SyscallErrors.plain(operation, errno, "the directory " + dir + " does not exist");
            }
            if ((errno == Errno.EPERM || errno == Errno.EACCES || errno == Errno.EINVAL) && dir != null && Files.isDirectory(dir)
                    && !holds(bpf, dir)) {
                throw SyscallErrors.plain(operation, errno, notBpffs(dir));
            }
            String name = String.valueOf(path.getFileName());
            if (errno == Errno.EPERM && name.indexOf('.') >= 0) {
                throw SyscallErrors.plain(operation, errno, "bpffs refuses file names containing '.' ('" + name
                        + "'); pin under another name");
            }
            throw SyscallErrors.exception(operation, errno, null);
        }
    }
}
