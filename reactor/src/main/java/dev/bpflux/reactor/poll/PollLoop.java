package dev.bpflux.reactor.poll;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import dev.bpflux.BpfSyscallException;
import dev.bpflux.reactor.WaitStrategy;
import dev.bpflux.sys.Eintr;
import dev.bpflux.sys.Errno;
import dev.bpflux.sys.SystemCalls;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * One reader thread waiting in {@code epoll_wait} on any number of {@link PollSource}s, like libbpf's
 * {@code ring_buffer__add} putting several rings in one epoll set.
 *
 * <p>The loop is reference-counted by its sources: registering the first source creates the epoll
 * fd and the wake eventfd and starts the thread (or a task on a Reactor {@link Scheduler}); when the
 * last source closed, the thread closes both fds and ends. A loop object can therefore be shared
 * by several streams through their options and costs nothing while no stream is subscribed.
 *
 * <p>Waking: other threads (a {@code request(n)} after demand ran out, a cancel, a registration)
 * call {@link #wakeup()}, which writes the eventfd only when the loop is about to sleep or sleeping,
 * so the steady state makes no syscall per request. The loop stops watching a source's fd while it
 * has no demand (otherwise level-triggered epoll would report the unread data forever) and watches
 * it again when demand comes back.
 */
public final class PollLoop {
    // <sys/epoll.h>, <sys/eventfd.h> (x86_64 and the generic ABI agree on these)
    private static final int EPOLL_CLOEXEC = 0x80000;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLL_CTL_DEL = 2;
    private static final int EPOLL_CTL_MOD = 3;
    private static final int EPOLLIN = 0x001;
    private static final int EPOLLOUT = 0x004;
    private static final int EPOLLET = 1 << 31;
    private static final int EFD_CLOEXEC = 0x80000;
    private static final int EFD_NONBLOCK = 0x800;
    /** struct epoll_event is packed on x86_64 (12 bytes), naturally aligned elsewhere (16). */
    private static final int EPOLL_EVENT_SIZE =
            System.getProperty("os.arch", "").matches("amd64|x86_64") ? 12 : 16;
    private static final int EPOLL_DATA_OFFSET = EPOLL_EVENT_SIZE == 12 ? 4 : 8;
    private static final int MAX_EVENTS = 64;

    private static final int AWAKE = 0;
    private static final int SLEEPING = 1;
    private static final int NOTIFIED = 2;

    private final String name;
    private final WaitStrategy waitStrategy;
    private final Scheduler scheduler;
    private final SystemCalls sys;

    private final Queue<PollSource> added = new ConcurrentLinkedQueue<>();
    private final AtomicInteger wakeState = new AtomicInteger(AWAKE);
    private final Memory one = new Memory(8);

    /** Guarded by {@code this}: whether a thread runs the loop. */
    private boolean running;
    private volatile int wakeFd = -1;
    private volatile Thread thread;

    private PollLoop(String name, WaitStrategy waitStrategy, Scheduler scheduler, SystemCalls sys) {
        this.name = Objects.requireNonNull(name, "name");
        this.waitStrategy = Objects.requireNonNull(waitStrategy, "waitStrategy");
        this.scheduler = scheduler;
        this.sys = sys;
        one.setLong(0, 1);
    }

    /** A loop on its own daemon thread named {@code name}. */
    public static PollLoop create(String name, WaitStrategy waitStrategy) {
        return create(name, waitStrategy, SystemCalls.linux());
    }

    /** As {@link #create(String, WaitStrategy)}, making its epoll and eventfd calls through {@code sys}. */
    public static PollLoop create(String name, WaitStrategy waitStrategy, SystemCalls sys) {
        return new PollLoop(name, waitStrategy, null, Objects.requireNonNull(sys, "sys"));
    }

    /**
     * A loop run as one long task on a worker of {@code scheduler} (it blocks in epoll_wait, so
     * use a scheduler meant for blocking work, e.g. {@code Schedulers.boundedElastic()}).
     */
    public static PollLoop create(String name, WaitStrategy waitStrategy, Scheduler scheduler) {
        return create(name, waitStrategy, scheduler, SystemCalls.linux());
    }

    /** As {@link #create(String, WaitStrategy, Scheduler)}, making its epoll and eventfd calls through {@code sys}. */
    public static PollLoop create(String name, WaitStrategy waitStrategy, Scheduler scheduler, SystemCalls sys) {
        return new PollLoop(name, waitStrategy, Objects.requireNonNull(scheduler, "scheduler"),
                Objects.requireNonNull(sys, "sys"));
    }

    public String name() {
        return name;
    }

    public WaitStrategy waitStrategy() {
        return waitStrategy;
    }

    /** Whether the calling thread is this loop's reader thread. */
    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /**
     * Adds a source. The loop will poll it on its thread and close it (exactly once) when it
     * {@link PollSource#wantsClose() wants to close}, or when the loop fails.
     */
    public void register(PollSource source) {
        Objects.requireNonNull(source, "source");
        synchronized (this) {
            added.add(source);
            if (!running) {
                start();
                return;
            }
        }
        wakeup();
    }

    /** Makes the loop look at its sources again soon; cheap when the loop is awake. */
    public void wakeup() {
        if (wakeState.get() == SLEEPING && wakeState.compareAndSet(SLEEPING, NOTIFIED)) {
            int fd = wakeFd;
            if (fd >= 0) {
                try {
                    sys.write(fd, one, 8);
                } catch (LastErrorException e) {
                    // EAGAIN: the counter is already non-zero, so the loop wakes anyway
                }
            }
        }
    }

    /** Guarded by {@code this}. */
    private void start() {
        int epfd;
        int efd;
        try {
            epfd = (int) Eintr.retry(() -> sys.epollCreate1(EPOLL_CLOEXEC));
        } catch (LastErrorException e) {
            failAdded(syscallError("epoll_create1", e));
            return;
        }
        try {
            efd = (int) Eintr.retry(() -> sys.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
        } catch (LastErrorException e) {
            sys.close(epfd);
            failAdded(syscallError("eventfd", e));
            return;
        }
        running = true;
        wakeFd = efd;
        wakeState.set(AWAKE);
        Runnable body = () -> run(epfd, efd);
        if (scheduler == null) {
            Thread t = new Thread(body, name);
            t.setDaemon(true);
            thread = t;
            t.start();
        } else {
            thread = null;
            Disposable task = scheduler.schedule(body);
            Objects.requireNonNull(task, "scheduler task");
        }
    }

    private void failAdded(Throwable error) {
        PollSource s;
        while ((s = added.poll()) != null) {
            s.closeOnLoop(error);
        }
    }

    private void run(int epfd, int efd) {
        thread = Thread.currentThread();
        List<PollSource> sources = new ArrayList<>();
        List<Boolean> armed = new ArrayList<>();
        Memory event = new Memory(EPOLL_EVENT_SIZE);
        Memory events = new Memory((long) EPOLL_EVENT_SIZE * MAX_EVENTS);
        Memory drain = new Memory(8);
        Throwable failure = null;
        try {
            ctl(epfd, EPOLL_CTL_ADD, efd, EPOLLIN, event);
            final long spinNanos = waitStrategy.spinNanos();
            while (true) {
                // registrations
                PollSource s;
                while ((s = added.poll()) != null) {
                    try {
                        for (int fd : s.fds()) {
                            ctl(epfd, EPOLL_CTL_ADD, fd, 0, event);
                        }
                        sources.add(s);
                        armed.add(Boolean.FALSE);
                    } catch (BpfSyscallException e) {
                        for (int fd : s.fds()) {
                            try {
                                ctl(epfd, EPOLL_CTL_DEL, fd, 0, event);
                            } catch (BpfSyscallException ignored) {
                                // not added
                            }
                        }
                        closeSource(s, e);
                    }
                }
                // reads
                boolean progress = false;
                for (int i = 0; i < sources.size(); i++) {
                    PollSource src = sources.get(i);
                    if (!src.wantsClose() && src.hasDemand()) {
                        try {
                            progress |= src.poll() == PollSource.PROGRESS;
                        } catch (Throwable t) {
                            // a source reports its own errors; this is a bug guard, not a path
                            closeAt(epfd, sources, armed, i--, t, event);
                            continue;
                        }
                    }
                    if (src.wantsClose()) {
                        closeAt(epfd, sources, armed, i--, null, event);
                    }
                }
                if (sources.isEmpty() && added.isEmpty()) {
                    synchronized (this) {
                        if (added.isEmpty()) {
                            running = false;
                            return;
                        }
                    }
                    continue;
                }
                if (progress) {
                    continue;
                }
                if (spinNanos > 0 && spin(sources, spinNanos)) {
                    continue;
                }
                // watch exactly the fds with demand
                for (int i = 0; i < sources.size(); i++) {
                    boolean want = sources.get(i).hasDemand();
                    if (want != armed.get(i)) {
                        for (int fd : sources.get(i).fds()) {
                            ctl(epfd, EPOLL_CTL_MOD, fd, want ? interest(sources.get(i)) : 0, event);
                        }
                        armed.set(i, want);
                    }
                }
                wakeState.set(SLEEPING);
                if (hasWork(sources)) {
                    wakeState.set(AWAKE);
                    continue;
                }
                int n = waitFor(epfd, events);
                wakeState.set(AWAKE);
                for (int i = 0; i < n; i++) {
                    if (events.getLong((long) i * EPOLL_EVENT_SIZE + EPOLL_DATA_OFFSET) == efd) {
                        try {
                            sys.read(efd, drain, 8);
                        } catch (LastErrorException e) {
                            // EAGAIN: already drained
                        }
                    }
                }
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            // Sources registered after running turned false belong to the next start() (register
            // starts a new loop then), never to this one: on a normal exit `added` was empty when
            // running turned false, and on failure only what was queued before is failed here.
            List<PollSource> orphans = new ArrayList<>();
            if (failure != null) {
                synchronized (this) {
                    running = false;
                    for (PollSource s; (s = added.poll()) != null; ) {
                        orphans.add(s);
                    }
                }
            }
            for (PollSource s : sources) {
                closeSource(s, failure);
            }
            for (PollSource s : orphans) {
                s.closeOnLoop(failure);
            }
            closeQuietly(efd);
            closeQuietly(epfd);
            synchronized (this) {
                if (wakeFd == efd) {
                    wakeFd = -1;
                }
                if (thread == Thread.currentThread()) {
                    thread = null;
                }
            }
        }
    }

    /**
     * EPOLLIN for readers. For a sender waiting for room EPOLLOUT, edge-triggered: a user ring
     * buffer's poll (kernel/bpf/ringbuf.c, ringbuf_map_poll_user) reports EPOLLOUT whenever the ring
     * is not completely full, so level-triggered epoll would return at once, again and again, while
     * the free space is smaller than the next sample. Edge-triggered, epoll reports it once when
     * armed (the MOD polls the fd) and then once per wakeup, which bpf_user_ringbuf_drain sends
     * after it consumed samples (unless the program passed BPF_RB_NO_WAKEUP).
     */
    private static int interest(PollSource source) {
        return source.waitsForRoom() ? EPOLLOUT | EPOLLET : EPOLLIN;
    }

    private boolean spin(List<PollSource> sources, long spinNanos) {
        long deadline = System.nanoTime() + spinNanos;
        do {
            if (hasWork(sources)) {
                return true;
            }
            Thread.onSpinWait();
        } while (System.nanoTime() - deadline < 0);
        return false;
    }

    private boolean hasWork(List<PollSource> sources) {
        if (!added.isEmpty()) {
            return true;
        }
        for (int i = 0; i < sources.size(); i++) {
            PollSource s = sources.get(i);
            if (s.wantsClose() || (s.hasDemand() && s.hasWork())) {
                return true;
            }
        }
        return false;
    }

    private int waitFor(int epfd, Memory events) {
        while (true) {
            try {
                return sys.epollWait(epfd, events, MAX_EVENTS, -1);
            } catch (LastErrorException e) {
                if (e.getErrorCode() != Errno.EINTR) {
                    throw syscallError("epoll_wait", e);
                }
            }
        }
    }

    private void closeAt(int epfd, List<PollSource> sources, List<Boolean> armed, int i, Throwable error,
            Memory event) {
        PollSource s = sources.remove(i);
        armed.remove(i);
        for (int fd : s.fds()) {
            try {
                ctl(epfd, EPOLL_CTL_DEL, fd, 0, event);
            } catch (BpfSyscallException ignored) {
                // the fd is closed with the source below either way
            }
        }
        closeSource(s, error);
    }

    private void closeSource(PollSource s, Throwable error) {
        s.closeOnLoop(error);
    }

    private void ctl(int epfd, int op, int fd, int flags, Memory event) {
        event.setInt(0, flags);
        event.setLong(EPOLL_DATA_OFFSET, fd);
        try {
            Eintr.retry(() -> sys.epollCtl(epfd, op, fd, event));
        } catch (LastErrorException e) {
            throw syscallError("epoll_ctl", e);
        }
    }

    private void closeQuietly(int fd) {
        try {
            sys.close(fd);
        } catch (LastErrorException ignored) {
            // nothing to do about a failed close at shutdown
        }
    }

    static BpfSyscallException syscallError(String op, LastErrorException e) {
        int errno = e.getErrorCode();
        return new BpfSyscallException(op, errno, Errno.name(errno), Errno.describe(errno), null);
    }

    @Override
    public String toString() {
        return "PollLoop[" + name + ", " + waitStrategy + "]";
    }
}
