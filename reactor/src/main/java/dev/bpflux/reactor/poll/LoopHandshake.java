package dev.bpflux.reactor.poll;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import reactor.core.publisher.Operators;

/**
 * The subscription half that every stream on a {@link PollLoop} shares: downstream demand, cancel,
 * the terminal error, and the close handshake with the loop. Internal to the streams of
 * {@code dev.bpflux.reactor} (public only because they live in other packages).
 *
 * <p>The handshake, which keeps mapped memory from being unmapped while it is read:
 * <ul>
 *   <li>{@link #request} and {@link #cancel} (any thread) only change state and wake the loop;</li>
 *   <li>the loop closes the source ({@link PollSource#closeOnLoop}) after taking it out of its
 *   epoll set; the source calls {@link #beginClose()} first (exactly once) and {@link #unmapped()}
 *   after its unmap, and only then signals downstream;</li>
 *   <li>{@link #close} (the {@code Flux.using} cleanup) closes at once a source that was never
 *   registered, returns at once on the loop thread (a cancel from inside {@code onNext}: the loop
 *   closes the source when the current poll returned), and otherwise waits until {@link #unmapped()}
 *   (not {@link #isClosed()}, which turns true before the unmap), up to the close timeout.</li>
 * </ul>
 */
public final class LoopHandshake {
    private static final AtomicLongFieldUpdater<LoopHandshake> REQUESTED =
            AtomicLongFieldUpdater.newUpdater(LoopHandshake.class, "requested");

    private final PollLoop loop;
    private final Duration closeTimeout;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch closedLatch = new CountDownLatch(1);

    /** Set by the subscribing thread before the loop sees the source. */
    private boolean registered;

    private volatile long requested;
    private volatile boolean cancelled;
    private volatile boolean terminated;
    private volatile Throwable error;

    public LoopHandshake(PollLoop loop, Duration closeTimeout) {
        this.loop = Objects.requireNonNull(loop, "loop");
        this.closeTimeout = Objects.requireNonNull(closeTimeout, "closeTimeout");
    }

    public PollLoop loop() {
        return loop;
    }

    /** Hands {@code source} to the loop; from now on only the loop closes it. */
    public void register(PollSource source) {
        registered = true;
        loop.register(source);
    }

    // ---- Subscription (any thread)

    /** {@code Subscription.request}: adds demand, waking the loop when there was none (§3.9: n > 0). */
    public void request(long n) {
        if (n <= 0) {
            error = new IllegalArgumentException("§3.9 violated: positive request amount required but it was " + n);
            terminated = true;
            loop.wakeup();
            return;
        }
        if (Operators.addCap(REQUESTED, this, n) == 0) {
            loop.wakeup();
        }
    }

    /** {@code Subscription.cancel}: the loop closes the source soon, without signalling downstream. */
    public void cancel() {
        cancelled = true;
        loop.wakeup();
    }

    /** Demand not yet used. */
    public long requested() {
        return requested;
    }

    /** Takes {@code n} emitted elements off the demand (call only when it was not unbounded). */
    public void produced(long n) {
        REQUESTED.addAndGet(this, -n);
    }

    public boolean cancelled() {
        return cancelled;
    }

    /** Cancelled or terminated: the loop should remove and close the source. */
    public boolean wantsClose() {
        return cancelled || terminated;
    }

    /** Demand and not closing: what a reader's {@link PollSource#hasDemand()} is. */
    public boolean hasDemand() {
        return requested != 0 && !wantsClose();
    }

    /** Ends the stream with {@code failure}, signalled when the loop closes the source. */
    public void fail(Throwable failure) {
        error = failure;
        terminated = true;
    }

    /** The error to signal, or {@code null}. */
    public Throwable error() {
        return error;
    }

    // ---- closing

    /** Marks the stream as ending, so the loop closes the source; see {@link #awaitClosed}. */
    public void terminate() {
        terminated = true;
    }

    /**
     * The rest of the {@code Flux.using} cleanup after {@link #terminate()}: closes an unregistered
     * source at once; on the loop thread returns (the loop closes it after the current poll); on any
     * other thread wakes the loop and waits until the source was unmapped, up to the close timeout.
     */
    public void awaitClosed(PollSource source) {
        if (!registered) {
            source.closeOnLoop(null);
            return;
        }
        if (loop.inLoop()) {
            return;
        }
        // Not "closed.get()": the loop sets it when closeOnLoop starts, before it unmaps. Only the
        // latch (counted down after the unmap) says the memory is gone; it is free once it is.
        loop.wakeup();
        try {
            closedLatch.await(closeTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@link #terminate()} then {@link #awaitClosed}. */
    public void close(PollSource source) {
        terminate();
        awaitClosed(source);
    }

    /** True exactly once: the caller closes the source's resources now. */
    public boolean beginClose() {
        return closed.compareAndSet(false, true);
    }

    /** The source's memory is unmapped: releases {@link #awaitClosed} waiters. */
    public void unmapped() {
        closedLatch.countDown();
    }

    /** Waits up to {@code nanos} for {@link #unmapped()}; whether it happened. */
    public boolean awaitUnmapped(long nanos) throws InterruptedException {
        return closedLatch.await(nanos, TimeUnit.NANOSECONDS);
    }

    /** Whether closing began (the mapping may still be in the middle of being released). */
    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Closes each non-null resource in order, each once whatever the others throw; returns the
     * first failure with the later ones suppressed into it, or null.
     */
    public static Throwable closeInOrder(AutoCloseable... resources) {
        Throwable failure = null;
        for (AutoCloseable r : resources) {
            if (r == null) {
                continue;
            }
            try {
                r.close();
            } catch (Throwable t) {
                if (failure == null) {
                    failure = t;
                } else {
                    failure.addSuppressed(t);
                }
            }
        }
        return failure;
    }
}
