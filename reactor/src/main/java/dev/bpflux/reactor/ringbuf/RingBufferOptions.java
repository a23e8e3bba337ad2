package dev.bpflux.reactor.ringbuf;

import dev.bpflux.sys.PageSize;
import dev.bpflux.reactor.WaitStrategy;
import dev.bpflux.reactor.metrics.StreamMetrics;
import dev.bpflux.reactor.poll.PollLoop;
import dev.bpflux.sys.SystemCalls;
import java.time.Duration;
import java.util.Objects;
import reactor.core.scheduler.Scheduler;

/**
 * Immutable options of a ring buffer stream; every {@code with*} method returns a new instance.
 *
 * <pre>{@code
 * RingBufferOptions options = RingBufferOptions.create()
 *         .withName("events")
 *         .withWaitStrategy(WaitStrategy.adaptive(Duration.ofNanos(50_000)))
 *         .withBatchSize(4096);
 * }</pre>
 */
public final class RingBufferOptions {
    private static final RingBufferOptions DEFAULTS = new RingBufferOptions(
            "ringbuf", WaitStrategy.sleeping(), 1024, null, null, StreamMetrics.none(), Duration.ofSeconds(5));

    private final String name;
    private final WaitStrategy waitStrategy;
    private final int batchSize;
    private final PollLoop loop;
    private final Scheduler scheduler;
    private final StreamMetrics metrics;
    private final Duration closeTimeout;

    private RingBufferOptions(String name, WaitStrategy waitStrategy, int batchSize, PollLoop loop,
            Scheduler scheduler, StreamMetrics metrics, Duration closeTimeout) {
        this.name = name;
        this.waitStrategy = waitStrategy;
        this.batchSize = batchSize;
        this.loop = loop;
        this.scheduler = scheduler;
        this.metrics = metrics;
        this.closeTimeout = closeTimeout;
    }

    /** Defaults: name "ringbuf", sleeping wait, batches of up to 1024 records, a reader thread per subscription. */
    public static RingBufferOptions create() {
        return DEFAULTS;
    }

    /** The stream's name: the reader thread's name, the {@code name} tag of its meters, {@code Flux.name()}. */
    public String name() {
        return name;
    }

    public RingBufferOptions withName(String name) {
        Objects.requireNonNull(name, "name");
        return new RingBufferOptions(name, waitStrategy, batchSize, loop, scheduler, metrics, closeTimeout);
    }

    /** How the reader thread waits when the ring is empty. Ignored with {@link #withLoop(PollLoop)}: the loop has its own. */
    public WaitStrategy waitStrategy() {
        return waitStrategy;
    }

    public RingBufferOptions withWaitStrategy(WaitStrategy waitStrategy) {
        Objects.requireNonNull(waitStrategy, "waitStrategy");
        return new RingBufferOptions(name, waitStrategy, batchSize, loop, scheduler, metrics, closeTimeout);
    }

    /**
     * The most records read in one go: the size of a {@code RecordBatch}, and how many records the
     * record stream emits before the loop looks at its other sources again.
     */
    public int batchSize() {
        return batchSize;
    }

    public RingBufferOptions withBatchSize(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1: " + batchSize);
        }
        return new RingBufferOptions(name, waitStrategy, batchSize, loop, scheduler, metrics, closeTimeout);
    }

    /** A shared loop (several ring buffers in one epoll set and one thread), or {@code null} for a loop per subscription. */
    public PollLoop loop() {
        return loop;
    }

    public RingBufferOptions withLoop(PollLoop loop) {
        return new RingBufferOptions(name, waitStrategy, batchSize, loop, scheduler, metrics, closeTimeout);
    }

    /**
     * Run the per-subscription loop on a worker of this scheduler instead of a dedicated thread
     * ({@code null}: a dedicated thread). It blocks in epoll_wait: give it a scheduler for blocking work.
     */
    public Scheduler scheduler() {
        return scheduler;
    }

    public RingBufferOptions withScheduler(Scheduler scheduler) {
        return new RingBufferOptions(name, waitStrategy, batchSize, loop, scheduler, metrics, closeTimeout);
    }

    /** Where received/bytes/discarded/batch-size figures go; {@link StreamMetrics#none()} by default. */
    public StreamMetrics metrics() {
        return metrics;
    }

    public RingBufferOptions withMetrics(StreamMetrics metrics) {
        Objects.requireNonNull(metrics, "metrics");
        return new RingBufferOptions(name, waitStrategy, batchSize, loop, scheduler, metrics, closeTimeout);
    }

    /**
     * How long a cancel from another thread waits for the reader thread to leave the ring and
     * unmap it (it is normally microseconds; a decoder stuck in user code can make it longer, and
     * then the reader unmaps when it gets back).
     */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    public RingBufferOptions withCloseTimeout(Duration closeTimeout) {
        Objects.requireNonNull(closeTimeout, "closeTimeout");
        return new RingBufferOptions(name, waitStrategy, batchSize, loop, scheduler, metrics, closeTimeout);
    }

    /** The system page size (from the auxiliary vector's AT_PAGESZ). */
    public static int pageSize() {
        return PageSize.VALUE;
    }

    @Override
    public String toString() {
        return "RingBufferOptions[name=" + name + ", wait=" + waitStrategy + ", batchSize=" + batchSize
                + (loop != null ? ", loop=" + loop.name() : "") + "]";
    }

    /**
     * The loop a stream with these options runs on: the given one, else a new one on the scheduler or its
     * own thread, making its calls through {@code sys} (the door of the stream's map).
     */
    PollLoop pollLoop(SystemCalls sys) {
        return loop != null ? loop
                : scheduler != null ? PollLoop.create(name, waitStrategy, scheduler, sys)
                : PollLoop.create(name, waitStrategy, sys);
    }
}
