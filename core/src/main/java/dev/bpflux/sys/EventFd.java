package dev.bpflux.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;

/** An eventfd(2) counter, non-blocking and close-on-exec: wakes an epoll wait from another thread. */
public final class EventFd implements AutoCloseable {
    private static final int EFD_CLOEXEC = 0x80000;
    private static final int EFD_NONBLOCK = 0x800;

    private final SystemCalls sys;
    private final OwnedFd fd;

    private EventFd(SystemCalls sys, OwnedFd fd) {
        this.sys = sys;
        this.fd = fd;
    }

    public static EventFd create() {
        SystemCalls sys = SystemCalls.linux();
        try {
            return new EventFd(sys, OwnedFd.adopt(sys.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), "eventfd", sys));
        } catch (LastErrorException e) {
            throw SyscallErrors.exception("eventfd", e.getErrorCode(), null);
        }
    }

    public OwnedFd fd() {
        return fd;
    }

    /** Adds {@code n} to the counter, making the fd readable. */
    public void signal(long n) {
        try (Memory m = new Memory(8)) {
            m.setLong(0, n);
            sys.write(fd.fd(), m, 8);
        } catch (LastErrorException e) {
            if (e.getErrorCode() != Errno.EAGAIN) { // counter saturated: still readable, fine
                throw SyscallErrors.exception("write to eventfd", e.getErrorCode(), null);
            }
        }
    }

    /** Reads and resets the counter; 0 when it was not signalled. */
    public long drain() {
        try (Memory m = new Memory(8)) {
            sys.read(fd.fd(), m, 8);
            return m.getLong(0);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == Errno.EAGAIN) {
                return 0;
            }
            throw SyscallErrors.exception("read from eventfd", e.getErrorCode(), null);
        }
    }

    @Override
    public void close() {
        fd.close();
    }
}
