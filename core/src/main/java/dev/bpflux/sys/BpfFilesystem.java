package dev.bpflux.sys;

import com.sun.jna.LastErrorException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * bpffs, the file system where maps, programs and links are pinned: whether a directory is on
 * it, and BPF_OBJ_PIN (4.4) with errors that say why a pin failed. The kernel answers a pin
 * outside bpffs with EPERM, which alone reads like missing privilege; statfs tells the two apart.
 */
public final class BpfFilesystem {
    /** BPF_FS_MAGIC (include/uapi/linux/magic.h): statfs(2)'s {@code f_type} on a bpffs mount. */
    public static final long MAGIC = 0xcafe4a11L;

    private BpfFilesystem() {
    }

    /** Whether the existing directory {@code dir} is on bpffs. */
    public static boolean holds(Path dir) {
        return holds(Bpf.system(), dir);
    }

    static boolean holds(Bpf bpf, Path dir) {
        try {
            return (bpf.calls().statfsType(dir.toString()) & 0xffffffffL) == MAGIC;
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
