package dev.bpflux.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Platform;

/**
 * An epoll instance (epoll_create1 with EPOLL_CLOEXEC), owning its descriptor.
 *
 * <p>{@code struct epoll_event} is {@code { u32 events; u64 data; }}: packed to 12 bytes on
 * x86_64 (EPOLL_PACKED), 16 bytes with padding elsewhere; {@link #EVENT_SIZE} and
 * {@link #DATA_OFFSET} say which.
 */
public final class Epoll implements AutoCloseable {
    public static final int EPOLLIN = 0x1;
    public static final int EPOLLERR = 0x8;
    public static final int EPOLLHUP = 0x10;
    public static final int EPOLL_CTL_ADD = 1;
    public static final int EPOLL_CTL_DEL = 2;
    public static final int EPOLL_CTL_MOD = 3;
    private static final int EPOLL_CLOEXEC = 0x80000; // O_CLOEXEC

    public static final int EVENT_SIZE = Platform.isIntel() && Platform.is64Bit() ? 12 : 16;
    public static final int DATA_OFFSET = EVENT_SIZE == 12 ? 4 : 8;

    private final SystemCalls sys;
    private final OwnedFd fd;

    private Epoll(SystemCalls sys, OwnedFd fd) {
        this.sys = sys;
        this.fd = fd;
    }

    public static Epoll create() {
        SystemCalls sys = SystemCalls.linux();
        try {
            return new Epoll(sys, OwnedFd.adopt(sys.epollCreate1(EPOLL_CLOEXEC), "epoll instance", sys));
        } catch (LastErrorException e) {
            throw SyscallErrors.exception("epoll_create1", e.getErrorCode(), null);
        }
    }

    public OwnedFd fd() {
        return fd;
    }

    /** Watches {@code target} for {@code events}; {@code data} comes back with each ready event. */
    public void add(OwnedFd target, int events, long data) {
        ctl(EPOLL_CTL_ADD, target, events, data);
    }

    public void modify(OwnedFd target, int events, long data) {
        ctl(EPOLL_CTL_MOD, target, events, data);
    }

    public void remove(OwnedFd target) {
        ctl(EPOLL_CTL_DEL, target, 0, 0);
    }

    private void ctl(int op, OwnedFd target, int events, long data) {
        try (Memory ev = new Memory(EVENT_SIZE)) {
            ev.clear();
            ev.setInt(0, events);
            ev.setLong(DATA_OFFSET, data);
            sys.epollCtl(fd.fd(), op, target.fd(), ev);
        } catch (LastErrorException e) {
            throw SyscallErrors.exception("epoll_ctl(" + op + ") of " + target.what(), e.getErrorCode(), null);
        }
    }

    /**
     * Waits up to {@code timeoutMillis} (-1 forever) for events into {@code events}, a buffer of
     * {@code events.size() / EVENT_SIZE} entries. Returns how many are ready; 0 on timeout or
     * when interrupted by a signal.
     */
    public int await(Memory events, int timeoutMillis) {
        int max = (int) (events.size() / EVENT_SIZE);
        try {
            return sys.epollWait(fd.fd(), events, max, timeoutMillis);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == Errno.EINTR) {
                return 0;
            }
            throw SyscallErrors.exception("epoll_wait", e.getErrorCode(), null);
        }
    }

    /** The {@code data} of ready event {@code i} in a buffer filled by {@link #await}. */
    public static long data(Memory events, int i) {
        return events.getLong((long) i * EVENT_SIZE + DATA_OFFSET);
    }

    /** The event bits of ready event {@code i}. */
    public static int events(Memory events, int i) {
        return events.getInt((long) i * EVENT_SIZE);
    }

    @Override
    public void close() {
        fd.close();
    }
}
