package dev.bpflux.reactor.perf;

import dev.bpflux.reactor.WaitStrategy;
import dev.bpflux.reactor.metrics.StreamMetrics;
import dev.bpflux.reactor.poll.PollLoop;
import java.time.Duration;
import java.util.Objects;

/** Immutable options of a perf event array stream; every {@code with*} method returns a new instance. */
public final class PerfBufferOptions {
    private static final PerfBufferOptions DEFAULTS = new PerfBufferOptions("perfbuf", 8, 1,
            WaitStrategy.sleeping(), 1024, null, StreamMetrics.none(), Duration.ofSeconds(5));

    private final String name;
    private final int pagesPerCpu;
    private final int wakeupEvents;
    private final WaitStrategy waitStrategy;
    private final int batchSize;
    private final PollLoop loop;
    private final StreamMetrics metrics;
    private final Duration closeTimeout;

    private PerfBufferOptions(String name, int pagesPerCpu, int wakeupEvents, WaitStrategy waitStrategy,
            int batchSize, PollLoop loop, StreamMetrics metrics, Duration closeTimeout) {
        this.name = name;
        this.pagesPerCpu = pagesPerCpu;
        this.wakeupEvents = wakeupEvents;
        this.waitStrategy = waitStrategy;
        this.batchSize = batchSize;
        this.loop = loop;
        this.metrics = metrics;
        this.closeTimeout = closeTimeout;
    }

    /** Defaults: 8 data pages per CPU, a wakeup per record, sleeping wait, a reader thread per subscription. */
    public static PerfBufferOptions create() {
        return DEFAULTS;
    }

    public String name() {
        return name;
    }

    public PerfBufferOptions withName(String name) {
        return new PerfBufferOptions(Objects.requireNonNull(name, "name"), pagesPerCpu, wakeupEvents, waitStrategy,
                batchSize, loop, metrics, closeTimeout);
    }

    /** Data pages of each CPU's buffer, a power of two (the kernel requires it). */
    public int pagesPerCpu() {
        return pagesPerCpu;
    }

    public PerfBufferOptions withPagesPerCpu(int pages) {
        if (pages < 1 || Integer.bitCount(pages) != 1) {
            throw new IllegalArgumentException("pages per CPU must be a power of two: " + pages);
        }
        return new PerfBufferOptions(name, pages, wakeupEvents, waitStrategy, batchSize, loop, metrics, closeTimeout);
    }

    /**
     * Records per wakeup of the reader ({@code wakeup_events}). 1 wakes it for every record (lowest
     * latency); more cost fewer wakeups, but records wait until that many arrived.
     */
    public int wakeupEvents() {
        return wakeupEvents;
    }

    public PerfBufferOptions withWakeupEvents(int wakeupEvents) {
        if (wakeupEvents < 1) {
            throw new IllegalArgumentException("wakeupEvents must be at least 1: " + wakeupEvents);
        }
        return new PerfBufferOptions(name, pagesPerCpu, wakeupEvents, waitStrategy, batchSize, loop, metrics,
                closeTimeout);
    }

    public WaitStrategy waitStrategy() {
        return waitStrategy;
    }

    public PerfBufferOptions withWaitStrategy(WaitStrategy waitStrategy) {
        return new PerfBufferOptions(name, pagesPerCpu, wakeupEvents, Objects.requireNonNull(waitStrategy),
                batchSize, loop, metrics, closeTimeout);
    }

    /** Records emitted from one CPU's buffer before the reader moves to the next. */
    public int batchSize() {
        return batchSize;
    }

    public PerfBufferOptions withBatchSize(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1: " + batchSize);
        }
        return new PerfBufferOptions(name, pagesPerCpu, wakeupEvents, waitStrategy, batchSize, loop, metrics,
                closeTimeout);
    }

    /** A shared loop, or {@code null} for a reader thread per subscription. */
    public PollLoop loop() {
        return loop;
    }

    public PerfBufferOptions withLoop(PollLoop loop) {
        return new PerfBufferOptions(name, pagesPerCpu, wakeupEvents, waitStrategy, batchSize, loop, metrics,
                closeTimeout);
    }

    /** Received, bytes and lost records ({@link StreamMetrics#dropped}). */
    public StreamMetrics metrics() {
        return metrics;
    }

    public PerfBufferOptions withMetrics(StreamMetrics metrics) {
        return new PerfBufferOptions(name, pagesPerCpu, wakeupEvents, waitStrategy, batchSize, loop,
                Objects.requireNonNull(metrics), closeTimeout);
    }

    public Duration closeTimeout() {
        return closeTimeout;
    }

    public PerfBufferOptions withCloseTimeout(Duration closeTimeout) {
        return new PerfBufferOptions(name, pagesPerCpu, wakeupEvents, waitStrategy, batchSize, loop, metrics,
                Objects.requireNonNull(closeTimeout));
    }

    @Override
    public String toString() {
        return "PerfBufferOptions[name=" + name + ", pages=" + pagesPerCpu + ", wakeup=" + wakeupEvents + ", wait="
                + waitStrategy + "]";
    }
}
