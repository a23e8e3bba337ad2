package dev.bpflux.sys;

import java.util.HashMap;
import java.util.Map;

/**
 * Linux errno values (asm-generic/errno-base.h, asm-generic/errno.h; identical on x86_64 and
 * aarch64) with their symbolic names and the C library's text, so messages read
 * {@code "EINVAL (22): Invalid argument"} without a native call.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int E2BIG = 7;
    public static final int ENOEXEC = 8;
    public static final int EBADF = 9;
    public static final int ECHILD = 10;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EXDEV = 18;
    public static final int ENODEV = 19;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int ENOTTY = 25;
    public static final int EFBIG = 27;
    public static final int ENOSPC = 28;
    public static final int ESPIPE = 29;
    public static final int EROFS = 30;
    public static final int EMLINK = 31;
    public static final int ERANGE = 34;
    public static final int EDEADLK = 35;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOSYS = 38;
    public static final int ENOTEMPTY = 39;
    public static final int ELOOP = 40;
    public static final int ENODATA = 61;
    public static final int ETIME = 62;
    public static final int EOVERFLOW = 75;
    public static final int EBADFD = 77;
    public static final int EOPNOTSUPP = 95;
    public static final int EAFNOSUPPORT = 97;
    public static final int EADDRINUSE = 98;
    public static final int EADDRNOTAVAIL = 99;
    public static final int ENETDOWN = 100;
    public static final int ETIMEDOUT = 110;
    public static final int EALREADY = 114;
    public static final int EINPROGRESS = 115;
    public static final int ECANCELED = 125;
    public static final int ESTALE = 116;
    public static final int EBADMSG = 74;
    public static final int EPROTO = 71;
    public static final int ENOLINK = 67;
    public static final int ENOTCONN = 107;
    public static final int EPROTONOSUPPORT = 93;
    /** Kernel-internal "operation not supported" that leaks to user space from bpf(2) (include/linux/errno.h). */
    public static final int ENOTSUPP = 524;

    private static final Map<Integer, String[]> TABLE = new HashMap<>();

    static {
        put(EPERM, "EPERM", "Operation not permitted");
        put(ENOENT, "ENOENT", "No such file or directory");
        put(ESRCH, "ESRCH", "No such process");
        put(EINTR, "EINTR", "Interrupted system call");
        put(EIO, "EIO", "Input/output error");
        put(ENXIO, "ENXIO", "No such device or address");
        put(E2BIG, "E2BIG", "Argument list too long");
        put(ENOEXEC, "ENOEXEC", "Exec format error");
        put(EBADF, "EBADF", "Bad file descriptor");
        put(ECHILD, "ECHILD", "No child processes");
        put(EAGAIN, "EAGAIN", "Resource temporarily unavailable");
        put(ENOMEM, "ENOMEM", "Cannot allocate memory");
        put(EACCES, "EACCES", "Permission denied");
        put(EFAULT, "EFAULT", "Bad address");
        put(EBUSY, "EBUSY", "Device or resource busy");
        put(EEXIST, "EEXIST", "File exists");
        put(EXDEV, "EXDEV", "Invalid cross-device link");
        put(ENODEV, "ENODEV", "No such device");
        put(ENOTDIR, "ENOTDIR", "Not a directory");
        put(EISDIR, "EISDIR", "Is a directory");
        put(EINVAL, "EINVAL", "Invalid argument");
        put(ENFILE, "ENFILE", "Too many open files in system");
        put(EMFILE, "EMFILE", "Too many open files");
        put(ENOTTY, "ENOTTY", "Inappropriate ioctl for device");
        put(EFBIG, "EFBIG", "File too large");
        put(ENOSPC, "ENOSPC", "No space left on device");
        put(ESPIPE, "ESPIPE", "Illegal seek");
        put(EROFS, "EROFS", "Read-only file system");
        put(EMLINK, "EMLINK", "Too many links");
        put(ERANGE, "ERANGE", "Numerical result out of range");
        put(EDEADLK, "EDEADLK", "Resource deadlock avoided");
        put(ENAMETOOLONG, "ENAMETOOLONG", "File name too long");
        put(ENOSYS, "ENOSYS", "Function not implemented");
        put(ENOTEMPTY, "ENOTEMPTY", "Directory not empty");
        put(ELOOP, "ELOOP", "Too many levels of symbolic links");
        put(ENODATA, "ENODATA", "No data available");
        put(ETIME, "ETIME", "Timer expired");
        put(EOVERFLOW, "EOVERFLOW", "Value too large for defined data type");
        put(EBADFD, "EBADFD", "File descriptor in bad state");
        put(EOPNOTSUPP, "EOPNOTSUPP", "Operation not supported");
        put(EAFNOSUPPORT, "EAFNOSUPPORT", "Address family not supported by protocol");
        put(EADDRINUSE, "EADDRINUSE", "Address already in use");
        put(EADDRNOTAVAIL, "EADDRNOTAVAIL", "Cannot assign requested address");
        put(ENETDOWN, "ENETDOWN", "Network is down");
        put(ETIMEDOUT, "ETIMEDOUT", "Connection timed out");
        put(EALREADY, "EALREADY", "Operation already in progress");
        put(EINPROGRESS, "EINPROGRESS", "Operation now in progress");
        put(ECANCELED, "ECANCELED", "Operation canceled");
        put(ESTALE, "ESTALE", "Stale file handle");
        put(EBADMSG, "EBADMSG", "Bad message");
        put(EPROTO, "EPROTO", "Protocol error");
        put(ENOLINK, "ENOLINK", "Link has been severed");
        put(ENOTCONN, "ENOTCONN", "Transport endpoint is not connected");
        put(EPROTONOSUPPORT, "EPROTONOSUPPORT", "Protocol not supported");
        put(ENOTSUPP, "ENOTSUPP", "Operation not supported (kernel-internal ENOTSUPP)");
    }

    private Errno() {
    }

    private static void put(int errno, String name, String text) {
        TABLE.put(errno, new String[] {name, text});
    }

    /** The symbolic name, e.g. {@code "EINVAL"}, or {@code "errno N"} for one outside the table. */
    public static String name(int errno) {
        String[] entry = TABLE.get(errno);
        return entry == null ? "errno " + errno : entry[0];
    }

    /** The strerror text, e.g. {@code "Invalid argument"}. */
    public static String describe(int errno) {
        String[] entry = TABLE.get(errno);
        if (entry != null) {
            return entry[1];
        }
        try {
            return SystemCalls.linux().strerror(errno);
        } catch (LinkageError e) {
            return "Unknown error " + errno;
        }
    }
}
