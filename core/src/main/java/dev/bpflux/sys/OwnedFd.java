package dev.bpflux.sys;

import com.sun.jna.LastErrorException;
import dev.bpflux.BpfException;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A file descriptor this process owns: a BPF map, program, link or BTF object, a perf event, an
 * epoll instance or an eventfd. Closed exactly once, by {@link #close()}; a {@link Cleaner} closes
 * it if the handle becomes unreachable first, as a safety net only.
 *
 * <p>Each handle says what it is ({@link #what()}, e.g. {@code "map 'counts'"}) so errors and
 * {@link #toString()} name it.
 */
public final class OwnedFd implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    private final int fd;
    private final String what;
    private final Closer closer;
    private final Cleaner.Cleanable cleanable;

    /** Runs once, from close() or the Cleaner; holds no reference to the handle. */
    private static final class Closer implements Runnable {
        private final int fd;
        private final SystemCalls sys;
        private final AtomicBoolean closed = new AtomicBoolean();

        Closer(int fd, SystemCalls sys) {
            this.fd = fd;
            this.sys = sys;
        }

        @Override
        public void run() {
            if (closed.compareAndSet(false, true)) {
                try {
                    sys.close(fd);
                } catch (LastErrorException e) {
                    // close(2) releases the descriptor even when it reports an error; nothing to retry.
                }
            }
        }
    }

    private OwnedFd(int fd, String what, SystemCalls sys) {
        if (fd < 0) {
            throw new IllegalArgumentException("negative file descriptor " + fd + " for " + what);
        }
        this.fd = fd;
        this.what = what;
        this.closer = new Closer(fd, sys);
        this.cleanable = CLEANER.register(this, closer);
    }

    /** Takes ownership of {@code fd}, which the real kernel just returned; {@code what} names it for messages. */
    public static OwnedFd adopt(int fd, String what) {
        return new OwnedFd(fd, what, SystemCalls.linux());
    }

    /**
     * As {@link #adopt(int, String)} for a descriptor {@code sys} returned: it is closed through
     * {@code sys}, and operations on the object it names go through {@code sys} too ({@link #calls()}).
     */
    public static OwnedFd adopt(int fd, String what, SystemCalls sys) {
        return new OwnedFd(fd, what, sys);
    }

    /**
     * The system calls this descriptor came from (its door): the handles that own it make their
     * later calls through them, so that a load through an injected door stays on that door.
     */
    public SystemCalls calls() {
        return closer.sys;
    }

    /** The raw descriptor number. Throws if this handle was closed: the number may be reused by now. */
    public int fd() {
        if (closer.closed.get()) {
            throw new BpfException(what + " (fd " + fd + ") is already closed");
        }
        return fd;
    }

    /** What this descriptor is, e.g. {@code "map 'counts'"}. */
    public String what() {
        return what;
    }

    /** Whether {@link #close()} has run. */
    public boolean isClosed() {
        return closer.closed.get();
    }

    /** A second, independently closed descriptor for the same kernel object (F_DUPFD_CLOEXEC). */
    public OwnedFd dup() {
        try {
            return new OwnedFd((int) Eintr.retry(() -> closer.sys.dupCloexec(fd())), what, closer.sys);
        } catch (LastErrorException e) {
            throw SyscallErrors.exception("fcntl(F_DUPFD_CLOEXEC) of " + what, e.getErrorCode(), null);
        }
    }

    /**
     * Moves ownership of the descriptor to a new handle named {@code newWhat}; this handle then
     * counts as closed without closing the descriptor.
     */
    public OwnedFd transfer(String newWhat) {
        if (!closer.closed.compareAndSet(false, true)) {
            throw new BpfException(what + " (fd " + fd + ") is already closed");
        }
        cleanable.clean(); // runs the closer, which now sees "closed" and leaves the fd open
        return new OwnedFd(fd, newWhat, closer.sys);
    }

    /** Closes the descriptor; later calls do nothing. */
    @Override
    public void close() {
        cleanable.clean();
    }

    @Override
    public String toString() {
        return what + " (fd " + fd + (isClosed() ? ", closed)" : ")");
    }
}
