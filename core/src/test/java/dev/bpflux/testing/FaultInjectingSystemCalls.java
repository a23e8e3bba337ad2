package dev.bpflux.testing;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.bpflux.sys.BpfCommand;
import dev.bpflux.sys.Errno;
import dev.bpflux.sys.SystemCalls;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The real kernel ({@link SystemCalls#linux()}) with one fault: the {@code failAt}-th call (counting
 * from 1, only calls whose {@linkplain #kind kind} starts with {@code kindPrefix}) fails with
 * {@code errno} instead of reaching the kernel. Given to {@code LoadOptions.withSystemCalls}, every
 * call of a load, and of the links and streams made from it, passes here.
 *
 * <p>close(2) and munmap(2) are never failed: the kernel releases the descriptor whatever close
 * reports, and munmap only fails for arguments bpflux never passes, so failing them here would
 * leak for real what bpflux correctly released.
 *
 * <p>A {@link #verifierRejection(int, String) verifier rejection} fails BPF_PROG_LOAD from the
 * {@code failAt}-th one on with EACCES, writing a short log into the caller's log buffer, as the
 * verifier does.
 *
 * <p>It also records the BPF objects the kernel created through it ({@link #created()}: kind and
 * id), so a test can ask the kernel afterwards whether any is still alive.
 */
public final class FaultInjectingSystemCalls implements SystemCalls {
    /** A BPF object the kernel created through this door. */
    public record Created(BpfCommand getNextId, int id, String by) {
    }

    private static final int BTF_INFO_ID_OFFSET = 12; // struct bpf_btf_info: btf u64, btf_size u32, id u32
    private static final int INFO_ID_OFFSET = 4; // struct bpf_{prog,map,link}_info: type u32, id u32

    private final SystemCalls real = SystemCalls.linux();
    private final String kindPrefix;
    private final int failAt;
    private final int errno;
    private final String verifierLog;

    private int seen;
    private String failed;
    private volatile String phase = "";
    private String failedPhase;
    private final List<String> calls = new ArrayList<>();
    private final Set<Created> created = new LinkedHashSet<>();

    private FaultInjectingSystemCalls(String kindPrefix, int failAt, int errno, String verifierLog) {
        this.kindPrefix = kindPrefix;
        this.failAt = failAt;
        this.errno = errno;
        this.verifierLog = verifierLog;
    }

    /** Fails the {@code failAt}-th call of any kind with {@code errno}. */
    public static FaultInjectingSystemCalls failing(int failAt, int errno) {
        return new FaultInjectingSystemCalls("", failAt, errno, null);
    }

    /** Fails the {@code failAt}-th call whose {@link #kind} starts with {@code kindPrefix}, e.g. {@code "bpf(BPF_MAP_CREATE"}, {@code "mmap"}. */
    public static FaultInjectingSystemCalls failing(String kindPrefix, int failAt, int errno) {
        return new FaultInjectingSystemCalls(kindPrefix, failAt, errno, null);
    }

    /** Rejects the {@code failAt}-th BPF_PROG_LOAD and every later one with EACCES and {@code log}. */
    public static FaultInjectingSystemCalls verifierRejection(int failAt, String log) {
        return new FaultInjectingSystemCalls("bpf(BPF_PROG_LOAD)", failAt, Errno.EACCES, log);
    }

    /** The call that was failed, e.g. {@code "bpf(BPF_MAP_CREATE)"}, or null when none was. */
    public synchronized String failedCall() {
        return failed;
    }

    /** Names what the caller is doing now (load, attach, pin, ...), for {@link #failedPhase()}. */
    public void phase(String phase) {
        this.phase = phase;
    }

    /** The {@link #phase(String)} in which the fault was injected, or null when none was. */
    public synchronized String failedPhase() {
        return failedPhase;
    }

    /** Every call made, in order, by kind. */
    public synchronized List<String> calls() {
        return List.copyOf(calls);
    }

    /** The maps, programs, BTF objects and links created through this door. */
    public synchronized Set<Created> created() {
        return Set.copyOf(created);
    }

    /**
     * What an error message must contain to name the failed call: the bpf command
     * ({@code BPF_MAP_CREATE}), {@code IOC} of an ioctl's request name, else the call's name.
     */
    public synchronized String failedCallToken() {
        if (failed == null) {
            return null;
        }
        if (failed.startsWith("bpf(")) {
            return failed.substring(4, failed.length() - 1);
        }
        if (failed.startsWith("ioctl(")) {
            return "IOC";
        }
        if (failed.startsWith("fcntl(")) {
            return "F_DUPFD_CLOEXEC";
        }
        return failed;
    }

    /** The errno called {@code name}, e.g. 12 for "ENOMEM". */
    public static int errno(String name) {
        for (int e = 1; e < 140; e++) {
            if (Errno.name(e).equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("no errno " + name);
    }

    /** Every message of {@code t} and its causes, for checking what they name. */
    public static String messages(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            b.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage()).append(" / ");
        }
        return b.toString();
    }

    /** The first line of {@code t}'s message, at most 220 characters, for a matrix row. */
    public static String summary(Throwable t) {
        String s = t.getMessage();
        if (s == null) {
            return t.getClass().getSimpleName();
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl) + " ...";
        line = line.length() > 220 ? line.substring(0, 220) + "..." : line;
        return t.getClass().getSimpleName() + ": " + line.replace("|", "\\|");
    }

    /** The errno injected. */
    public int errno() {
        return errno;
    }

    private synchronized void enter(String kind) {
        calls.add(kind);
        if (!kind.startsWith(kindPrefix)) {
            return;
        }
        seen++;
        boolean fail = seen == failAt || (verifierLog != null && seen > failAt);
        if (fail) {
            if (failed == null) {
                failed = kind;
                failedPhase = phase;
            }
            throw new LastErrorException(errno);
        }
    }

    private static String bpfKind(int cmd) {
        for (BpfCommand c : BpfCommand.values()) {
            if (c.number() == cmd) {
                return "bpf(" + c.name() + ")";
            }
        }
        return "bpf(" + cmd + ")";
    }

    @Override
    public int bpf(int cmd, Pointer attr, int size) {
        String kind = bpfKind(cmd);
        try {
            enter(kind);
        } catch (LastErrorException e) {
            if (verifierLog != null && cmd == BpfCommand.BPF_PROG_LOAD.number()) {
                writeLog(attr);
            }
            throw e;
        }
        int r = real.bpf(cmd, attr, size);
        BpfCommand nextId = switch (cmd) { // the commands that create an object and return its fd
            case 0 -> BpfCommand.BPF_MAP_GET_NEXT_ID;
            case 5 -> BpfCommand.BPF_PROG_GET_NEXT_ID;
            case 18 -> BpfCommand.BPF_BTF_GET_NEXT_ID;
            case 17, 28 -> BpfCommand.BPF_LINK_GET_NEXT_ID;
            default -> null;
        };
        if (nextId != null && r >= 0) {
            record(nextId, r, kind);
        }
        return r;
    }

    /** Asks the real kernel for the id of the object behind {@code fd}, through neither count nor fault. */
    private void record(BpfCommand nextId, int fd, String by) {
        try (Memory info = new Memory(256); Memory attr = new Memory(16)) {
            info.clear();
            attr.clear();
            attr.setInt(0, fd);
            attr.setInt(4, 256);
            attr.setLong(8, Pointer.nativeValue(info));
            real.bpf(BpfCommand.BPF_OBJ_GET_INFO_BY_FD.number(), attr, 16);
            int id = info.getInt(nextId == BpfCommand.BPF_BTF_GET_NEXT_ID ? BTF_INFO_ID_OFFSET : INFO_ID_OFFSET);
            synchronized (this) {
                created.add(new Created(nextId, id, by));
            }
        }
    }

    /** union bpf_attr for BPF_PROG_LOAD: log_level u32 at 24, log_size u32 at 28, log_buf u64 at 32. */
    private void writeLog(Pointer attr) {
        int logSize = attr.getInt(28);
        long logBuf = attr.getLong(32);
        byte[] text = (verifierLog + "\0").getBytes(StandardCharsets.UTF_8);
        if (logBuf != 0 && logSize >= text.length) {
            new Pointer(logBuf).write(0, text, 0, text.length);
        }
    }

    @Override
    public int perfEventOpen(Pointer attr, int pid, int cpu, int groupFd, long flags) {
        enter("perf_event_open");
        return real.perfEventOpen(attr, pid, cpu, groupFd, flags);
    }

    @Override
    public int ioctl(int fd, long request, long arg) {
        enter("ioctl(0x" + Long.toHexString(request) + ")");
        return real.ioctl(fd, request, arg);
    }

    @Override
    public void close(int fd) {
        synchronized (this) {
            calls.add("close");
        }
        real.close(fd);
    }

    @Override
    public int dupCloexec(int fd) {
        enter("fcntl(F_DUPFD_CLOEXEC)");
        return real.dupCloexec(fd);
    }

    @Override
    public long mmap(long length, int prot, int flags, int fd, long offset) {
        enter("mmap");
        return real.mmap(length, prot, flags, fd, offset);
    }

    @Override
    public void munmap(long address, long length) {
        synchronized (this) {
            calls.add("munmap");
        }
        real.munmap(address, length);
    }

    @Override
    public int epollCreate1(int flags) {
        enter("epoll_create1");
        return real.epollCreate1(flags);
    }

    @Override
    public int epollCtl(int epfd, int op, int fd, Pointer event) {
        enter("epoll_ctl");
        return real.epollCtl(epfd, op, fd, event);
    }

    @Override
    public int epollWait(int epfd, Pointer events, int maxEvents, int timeoutMillis) {
        enter("epoll_wait");
        return real.epollWait(epfd, events, maxEvents, timeoutMillis);
    }

    @Override
    public int eventfd(int initialValue, int flags) {
        enter("eventfd");
        return real.eventfd(initialValue, flags);
    }

    @Override
    public long read(int fd, Pointer buffer, long count) {
        enter("read");
        return real.read(fd, buffer, count);
    }

    @Override
    public long write(int fd, Pointer buffer, long count) {
        enter("write");
        return real.write(fd, buffer, count);
    }

    @Override
    public int ifNameToIndex(String name) {
        enter("if_nametoindex");
        return real.ifNameToIndex(name);
    }

    @Override
    public void setrlimit(int resource, long soft, long hard) {
        enter("setrlimit");
        real.setrlimit(resource, soft, hard);
    }

    @Override
    public void mount(String source, String target, String fsType, long flags, String data) {
        enter("mount");
        real.mount(source, target, fsType, flags, data);
    }

    @Override
    public int open(String path, int flags) {
        enter("open");
        return real.open(path, flags);
    }

    @Override
    public long statfsType(String path) {
        enter("statfs");
        return real.statfsType(path);
    }

    @Override
    public String strerror(int errno) {
        return real.strerror(errno);
    }

    @Override
    public String toString() {
        return "FaultInjectingSystemCalls[" + (kindPrefix.isEmpty() ? "" : kindPrefix + " ") + "#" + failAt + " "
                + Errno.name(errno) + (verifierLog != null ? " with a verifier log" : "") + "]";
    }
}
