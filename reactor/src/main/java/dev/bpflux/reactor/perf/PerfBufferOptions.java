package dev.bpflux.reactor.perf;

import dev.bpflux.reactor.WaitStrategy;
import dev.bpflux.reactor.metrics.StreamMetrics;
import dev.bpflux.reactor.poll.PollLoop;
import java.time.Duration;
import java.util.Objects;

/** Immutable options of a perf event array stream; every {@code with*} method returns a new instance. */
public final class PerfBufferOptions {
    private static final PerfBufferOptions DEFAULTS = new PerfBufferOptions("perfbuf", 8, 0, 0,
            WaitStrategy.sleeping(), 1024, null, StreamMetrics.none(), Duration.ofSeconds(5));

    private final String name;
    private final int pagesPerCpu;
    /** 0: not set (a wakeup per record unless a watermark is set). */
    private final int wakeupEvents;
    /** 0: not set. */
    private final int wakeupWatermark;
    private final WaitStrategy waitStrategy;
    private final int batchSize;
    private final PollLoop loop;
    private final StreamMetrics metrics;
    private final Duration closeTimeout;

    private PerfBufferOptions(String name, int pagesPerCpu, int wakeupEvents, int wakeupWatermark,
            WaitStrategy waitStrategy, int batchSize, PollLoop loop, StreamMetrics metrics, Duration closeTimeout) {
        this.name = name;
        this.pagesPerCpu = pagesPerCpu;
        this.wakeupEvents = wakeupEvents;
        this.wakeupWatermark = wakeupWatermark;
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
        return new PerfBufferOptions(Objects.requireNonNull(name, "name"), pagesPerCpu, wakeupEvents, wakeupWatermark,
                waitStrategy,
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
        return new PerfBufferOptions(name, pages, wakeupEvents, wakeupWatermark, waitStrategy, batchSize, loop, metrics,
                closeTimeout);
    }

    /**
     * Records per wakeup of the reader ({@code wakeup_events}). 1 wakes it for every record (lowest
     * latency); more cost fewer wakeups, but records wait until that many arrived. 0 when a
     * {@linkplain #wakeupWatermark() watermark} is set instead.
     */
    public int wakeupEvents() {
        return wakeupWatermark > 0 ? 0 : Math.max(1, wakeupEvents);
    }

    public PerfBufferOptions withWakeupEvents(int wakeupEvents) {
        if (wakeupEvents < 1) {
            throw new IllegalArgumentException("wakeupEvents must be at least 1: " + wakeupEvents);
        }
        if (wakeupWatermark > 0) {
            throw new IllegalArgumentException(exclusive("wakeupEvents " + wakeupEvents, "wakeupWatermark " + wakeupWatermark));
        }
        return new PerfBufferOptions(name, pagesPerCpu, wakeupEvents, wakeupWatermark, waitStrategy, batchSize, loop,
                metrics, closeTimeout);
    }

    /**
     * Bytes pending in a CPU's buffer that wake the reader ({@code wakeup_watermark} with
     * {@code perf_event_attr.watermark = 1}), or 0 when it is woken per {@link #wakeupEvents()}
     * records. The kernel wakes the reader each time more than this many bytes were written since
     * the last wakeup; records below it wait for more (or for the reader to be woken otherwise, by
     * demand arriving after it ran out). Each sample takes 8 bytes of header, 4 of size and the
     * output padded to 8.
     */
    public int wakeupWatermark() {
        return wakeupWatermark;
    }

    /**
     * Wakes the reader by bytes pending instead of by records; must stay below a CPU's buffer
     * ({@link #pagesPerCpu()} pages), checked when the receiver is created. Exclusive with
     * {@link #withWakeupEvents(int)}: {@code perf_event_attr} has one field for both.
     */
    public PerfBufferOptions withWakeupWatermark(int bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("wakeupWatermark must be at least 1 byte: " + bytes);
        }
        if (wakeupEvents > 0) {
            throw new IllegalArgumentException(exclusive("wakeupWatermark " + bytes, "wakeupEvents " + wakeupEvents));
        }
        return new PerfBufferOptions(name, pagesPerCpu, wakeupEvents, bytes, waitStrategy, batchSize, loop, metrics,
                closeTimeout);
    }

    private static String exclusive(String wanted, String set) {
        return "cannot set " + wanted + ": these options already have " + set + ", and a perf buffer wakes its"
                + " reader either per records or per bytes (perf_event_attr.wakeup_events and wakeup_watermark are one"
                + " union field, chosen by the watermark flag); set only one of them";
    }

    /** Checks what needs the page size: a watermark below the per-CPU buffer. */
    void checkAgainst(int pageSize) {
        long bufferBytes = (long) pageSize * pagesPerCpu;
        if (wakeupWatermark >= bufferBytes) {
            throw new IllegalArgumentException("wakeupWatermark " + wakeupWatermark + " does not fit a per-CPU buffer of "
                    + pagesPerCpu + " pages (" + bufferBytes + " bytes): the kernel would wake the reader only when the"
                    + " buffer is full and records are being lost; use a smaller watermark or more pagesPerCpu");
        }
    }

    public WaitStrategy waitStrategy() {
        return waitStrategy;
    }

    public PerfBufferOptions withWaitStrategy(WaitStrategy waitStrategy) {
        return new PerfBufferOptions(name, pagesPerCpu, wakeupEvents, wakeupWatermark, Objects.requireNonNull(waitStrategy),
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
        return new PerfBufferOptions(name, pagesPerCpu, wakeupEvents, wakeupWatermark, waitStrategy, batchSize, loop, metrics,
                closeTimeout);
    }

    /** A shared loop, or {@code null} for a reader thread per subscription. */
    public PollLoop loop() {
        return loop;
    }

    public PerfBufferOptions withLoop(PollLoop loop) {
        return new PerfBufferOptions(name, pagesPerCpu, wakeupEvents, wakeupWatermark, waitStrategy, batchSize, loop, metrics,
                closeTimeout);
    }

    /** Received, bytes and lost records ({@link StreamMetrics#dropped}). */
    public StreamMetrics metrics() {
        return metrics;
    }

    public PerfBufferOptions withMetrics(StreamMetrics metrics) {
        return new PerfBufferOptions(name, pagesPerCpu, wakeupEvents, wakeupWatermark, waitStrategy, batchSize, loop,
                Objects.requireNonNull(metrics), closeTimeout);
    }

    public Duration closeTimeout() {
        return closeTimeout;
    }

    public PerfBufferOptions withCloseTimeout(Duration closeTimeout) {
        return new PerfBufferOptions(name, pagesPerCpu, wakeupEvents, wakeupWatermark, waitStrategy, batchSize, loop, metrics,
                Objects.requireNonNull(closeTimeout));
    }

    @Override
    public String toString() {
        return "PerfBufferOptions[name=" + name + ", pages=" + pagesPerCpu
                + (wakeupWatermark > 0 ? ", wakeupWatermark=" + wakeupWatermark : ", wakeup=" + wakeupEvents())
                + ", wait=" + waitStrategy + "]";
    }
}
