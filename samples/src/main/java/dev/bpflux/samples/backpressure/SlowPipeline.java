package dev.bpflux.samples.backpressure;

import dev.bpflux.reactor.ringbuf.RingBufferOptions;
import dev.bpflux.reactor.ringbuf.RingBufferReceiver;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import reactor.core.Disposable;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The ring of a {@link YieldProducer} read by a deliberately slow consumer: the records cross to
 * one consumer thread through {@code publishOn(thread, prefetch)} (which, like
 * {@code limitRate(prefetch)}, requests {@code prefetch} and then refills by 75 %), and the
 * consumer parks {@code work} per record. Between the ring and the consumer sits the operator of
 * the {@link BackpressureStrategy}. Counters are readable while it runs.
 */
public final class SlowPipeline implements Disposable {
    private final LongAdder read = new LongAdder();
    private final LongAdder consumed = new LongAdder();
    private final LongAdder droppedInJava = new LongAdder();
    private final AtomicLong buffered = new AtomicLong();
    private final AtomicLong maxBuffered = new AtomicLong();
    private final AtomicLong requested = new AtomicLong();
    private final AtomicLong maxOutstanding = new AtomicLong();
    private final Scheduler consumerThread = Schedulers.newSingle("slow-consumer");
    private final Disposable subscription;
    private volatile long workNanos;

    private SlowPipeline(YieldProducer producer, BackpressureStrategy strategy, Duration work, int prefetch,
            int bufferSize) {
        workNanos = work.toNanos();
        Flux<Long> ring = RingBufferReceiver.create(producer.events(), RingBufferOptions.create().withName("yields"))
                .receive(r -> r.getLongLE(r.readerIndex()))             // ts_ns
                .doOnRequest(n -> requested.accumulateAndGet(n, SlowPipeline::addCapped))
                .doOnNext(ts -> {
                    read.increment();
                    long outstanding = requested.get() - read.sum();
                    maxOutstanding.accumulateAndGet(outstanding, Math::max);
                });
        Flux<Long> shaped = switch (strategy) {
            case RING -> ring;
            case DROP -> ring.onBackpressureDrop(ts -> droppedInJava.increment());
            case BUFFER -> ring
                    .doOnNext(ts -> maxBuffered.accumulateAndGet(buffered.incrementAndGet(), Math::max))
                    .onBackpressureBuffer(bufferSize, ts -> {
                        droppedInJava.increment();
                        buffered.decrementAndGet();
                    }, BufferOverflowStrategy.DROP_OLDEST)
                    .doOnNext(ts -> buffered.decrementAndGet());
        };
        subscription = shaped.publishOn(consumerThread, prefetch).subscribe(ts -> {
            long w = workNanos;
            if (w > 0) {
                LockSupport.parkNanos(w); // the "work" per event
            }
            consumed.increment();
        });
    }

    /**
     * Subscribes: reads {@code producer}'s ring through {@code strategy} into a consumer that
     * takes {@code work} per record, {@code prefetch} records at a time; {@code bufferSize} is the
     * bound of {@link BackpressureStrategy#BUFFER}.
     */
    public static SlowPipeline start(YieldProducer producer, BackpressureStrategy strategy, Duration work,
            int prefetch, int bufferSize) {
        if (prefetch < 1 || bufferSize < 1) {
            throw new IllegalArgumentException("prefetch and buffer size must be positive: " + prefetch + ", "
                    + bufferSize);
        }
        return new SlowPipeline(producer, strategy, work, prefetch, bufferSize);
    }

    private static long addCapped(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    /** Changes the consumer's work per record, e.g. to zero to drain what is left. */
    public void work(Duration work) {
        workNanos = work.toNanos();
    }

    /** Records read from the ring. */
    public long read() {
        return read.sum();
    }

    /** Records the consumer finished. */
    public long consumed() {
        return consumed.sum();
    }

    /** Records dropped in Java (DROP, BUFFER). */
    public long droppedInJava() {
        return droppedInJava.sum();
    }

    /** Records waiting in the {@code onBackpressureBuffer} now (BUFFER), else 0. */
    public long buffered() {
        return buffered.get();
    }

    /**
     * The most records that waited in it at once, counted on the way in and out: up to one
     * record in transit on each side more than the bound.
     */
    public long maxBuffered() {
        return maxBuffered.get();
    }

    /**
     * The most records requested from the ring and not yet read, at any time: the most Java
     * could hold of the ring. {@code Long.MAX_VALUE}-ish when an operator requested without bound.
     */
    public long maxOutstandingDemand() {
        return maxOutstanding.get();
    }

    @Override
    public void dispose() {
        subscription.dispose();
        consumerThread.dispose();
    }

    @Override
    public boolean isDisposed() {
        return subscription.isDisposed();
    }
}
