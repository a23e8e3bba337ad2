package dev.bpflux.reactor;

import java.time.Duration;
import java.util.Objects;

/**
 * How a reader thread waits when its buffers are empty.
 *
 * <ul>
 *   <li>{@link #sleeping()}: block in {@code epoll_wait} at once. Least CPU; each wakeup costs a
 *       kernel notification and a context switch (tens of microseconds of latency).</li>
 *   <li>{@link #adaptive(Duration)}: spin with {@link Thread#onSpinWait()} reading the producer
 *       positions for up to the given time, then block in {@code epoll_wait}. Lower latency while
 *       events are frequent, at the price of a busy core during the spin.</li>
 * </ul>
 *
 * <p>Either way a cancel wakes the thread at once through an eventfd in the epoll set; nothing
 * polls on a timeout.
 */
public final class WaitStrategy {
    private static final WaitStrategy SLEEPING = new WaitStrategy(0);

    private final long spinNanos;

    private WaitStrategy(long spinNanos) {
        this.spinNanos = spinNanos;
    }

    /** Blocks in {@code epoll_wait} as soon as there is nothing to read. */
    public static WaitStrategy sleeping() {
        return SLEEPING;
    }

    /** Busy-polls for up to {@code spin} before blocking in {@code epoll_wait}. */
    public static WaitStrategy adaptive(Duration spin) {
        Objects.requireNonNull(spin, "spin");
        if (spin.isNegative()) {
            throw new IllegalArgumentException("spin must not be negative: " + spin);
        }
        return spin.isZero() ? SLEEPING : new WaitStrategy(spin.toNanos());
    }

    /** How long to spin before sleeping, in nanoseconds; 0 for {@link #sleeping()}. */
    public long spinNanos() {
        return spinNanos;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WaitStrategy && ((WaitStrategy) o).spinNanos == spinNanos;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(spinNanos);
    }

    @Override
    public String toString() {
        return spinNanos == 0 ? "sleeping" : "adaptive(" + Duration.ofNanos(spinNanos) + ")";
    }
}
