package dev.bpflux.benchmarks;

import dev.bpflux.reactor.RecordBatch;
import dev.bpflux.reactor.RecordDecoder;
import dev.bpflux.reactor.WaitStrategy;
import dev.bpflux.reactor.ringbuf.RingBufferOptions;
import dev.bpflux.reactor.ringbuf.RingBufferReceiver;
import io.netty.buffer.ByteBuf;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;

/**
 * Whole-run ring buffer figures for bpflux, to compare with the libbpf baseline run in the same
 * session ({@code benchmarks/ringbuf} runs both and prints the ratios):
 * <ul>
 *   <li>drain: a ring pre-filled until the producer drops, then consumed with nothing else
 *       running, timed from the first to the last record (the {@code Flux<T>} and the batch shape);</li>
 *   <li>live: a thread triggers the producer as fast as it can for some seconds while a stream
 *       with unbounded demand consumes; received, produced and dropped;</li>
 *   <li>latency: {@code bpf_ktime_get_ns()} stamped in each record against {@code System.nanoTime()}
 *       (both CLOCK_MONOTONIC) when decoded, at 10k and 500k records/s, sleeping and adaptive waits;</li>
 *   <li>allocation: bytes the reader thread allocated per record during the live run.</li>
 * </ul>
 * Prints a human table and one line {@code java: key=value ...} for the script.
 *
 * <p>Usage: {@code RingBufferComparison [drainRounds] [liveSeconds] [latencySeconds]}. Needs root.
 */
public final class RingBufferComparison {
    private static final int RING = 4 << 20;

    private RingBufferComparison() {
    }

    /** A decoded record, reused: the stream's subscriber consumes it synchronously. */
    static final class Sample {
        long seq;
        long ts;
    }

    public static void main(String[] args) throws Exception {
        int drainRounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int liveSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int latencySeconds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        StringBuilder line = new StringBuilder("java:");

        DrainFigures flux = drainFlux(drainRounds);
        DrainFigures batch = drainBatch(drainRounds);
        flux.print("Flux<T>:    ");
        batch.print("RecordBatch:");
        line.append(String.format(Locale.ROOT, " drain_flux_rps=%.0f drain_batch_rps=%.0f drain_flux_median_rps=%.0f"
                + " drain_batch_median_rps=%.0f drain_flux_min_rps=%.0f drain_batch_min_rps=%.0f",
                flux.aggregate(), batch.aggregate(), flux.median(), batch.median(), flux.rounds()[0], batch.rounds()[0]));

        long[] live = live(liveSeconds);
        double allocPerRecord = live[4] / (double) Math.max(1, live[5]);
        double liveRate = live[6] / (live[8] / 1e9);
        System.out.printf(Locale.ROOT, "bpflux live, whole run (with JIT warm-up): received=%d produced=%d dropped=%d rate=%.2f M/s%n",
                live[0], live[1], live[2], live[0] / (live[3] / 1e9) / 1e6);
        System.out.printf(Locale.ROOT, "bpflux live, steady state (%.1f s after warm-up): received=%d dropped=%d rate=%.2f M/s alloc=%.3f bytes/record%n",
                live[8] / 1e9, live[6], live[7], liveRate / 1e6, allocPerRecord);
        line.append(String.format(Locale.ROOT, " live_received=%d live_produced=%d live_dropped=%d live_rps=%.0f"
                + " live_total_dropped=%d alloc_bytes_per_record=%.3f", live[6], live[5], live[7], liveRate, live[2],
                allocPerRecord));

        for (int rate : new int[] {10_000, 500_000}) {
            for (boolean adaptive : new boolean[] {false, true}) {
                long[] p = latency(rate, adaptive, latencySeconds);
                String name = (rate / 1000) + "k_" + (adaptive ? "adaptive" : "sleeping");
                System.out.printf(Locale.ROOT, "bpflux latency %-16s p50=%7.1f us p99=%8.1f us (%d records)%n", name,
                        p[0] / 1e3, p[1] / 1e3, p[2]);
                line.append(String.format(Locale.ROOT, " lat_%s_p50_us=%.1f lat_%s_p99_us=%.1f", name, p[0] / 1e3, name, p[1] / 1e3));
            }
        }
        System.out.println(line);
    }

    /**
     * Warm-up rounds before a drain is timed: at least this many, and at least {@link #WARM_UP_NANOS}
     * of them, so that C2 compiled the reader loop (on a loaded 2-vCPU machine the compile queue can
     * hold a method for half a second) before the first timed round.
     */
    private static final int WARM_UP_ROUNDS = 10;
    private static final long WARM_UP_NANOS = TimeUnit.MILLISECONDS.toNanos(1500);

    /**
     * A timed drain: {@code aggregate} is all records over all time of the timed rounds (what the
     * libbpf baseline reports, so the ratio compares like with like), {@code rounds} each round's
     * rate, sorted.
     */
    record DrainFigures(double aggregate, double[] rounds) {
        double median() {
            int n = rounds.length;
            return n % 2 == 1 ? rounds[n / 2] : (rounds[n / 2 - 1] + rounds[n / 2]) / 2;
        }

        void print(String shape) {
            System.out.printf(Locale.ROOT, "bpflux drain %s %8.1f M records/s (%.2f ns/record) over %d rounds;"
                    + " per round median %.1f, %.1f-%.1f%n", shape, aggregate / 1e6, 1e9 / aggregate, rounds.length,
                    median() / 1e6, rounds[0] / 1e6, rounds[rounds.length - 1] / 1e6);
        }
    }

    /** Triggers the producer until the ring is full (the producer starts dropping). */
    private static void fill(ProducerObject producer) {
        long dropped = producer.dropped();
        while (producer.dropped() == dropped) {
            producer.trigger(1);
        }
    }

    /** A subscriber that requests exactly what a round drains and times first to last record. */
    private abstract static class Drainer<T> extends BaseSubscriber<T> {
        volatile CountDownLatch done;
        long target;
        long count;
        long firstCount;
        long first;
        long last;

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
            // no demand until a round starts
        }

        void arm(long records) {
            target = records;
            count = 0;
            done = new CountDownLatch(1);
        }

        void record(long n) {
            if (count == 0) {
                first = System.nanoTime();
                // what came with the first stamp was read before the clock started
                firstCount = n;
            }
            count += n;
            if (count >= target) {
                last = System.nanoTime();
                done.countDown();
            }
        }
    }

    /**
     * Fills the ring and drains it {@code rounds} times after the warm-up, timing the drain alone.
     * The Flux shape asks for every record up front; the batch shape for one batch at a time (its
     * subscriber requests the next).
     */
    private static DrainFigures timeRounds(ProducerObject producer, Drainer<?> drainer, int rounds,
                                           boolean requestAllRecords) throws InterruptedException {
        double[] rates = new double[rounds];
        long records = 0;
        long nanos = 0;
        long consumed = 0;
        long warmUpEnd = System.nanoTime() + WARM_UP_NANOS;
        int warmUp = 0;
        for (int i = 0; i < rounds; ) {
            fill(producer);
            long n = producer.produced() - consumed;
            drainer.arm(n);
            drainer.request(requestAllRecords ? n : 1);
            drainer.done.await(30, TimeUnit.SECONDS);
            consumed += drainer.count;
            if (warmUp < WARM_UP_ROUNDS || System.nanoTime() < warmUpEnd) {
                warmUp++;
            } else {
                records += drainer.count - drainer.firstCount;
                nanos += drainer.last - drainer.first;
                rates[i++] = (drainer.count - drainer.firstCount) / ((drainer.last - drainer.first) / 1e9);
            }
        }
        drainer.dispose();
        Arrays.sort(rates);
        return new DrainFigures(records / (nanos / 1e9), rates);
    }

    static DrainFigures drainFlux(int rounds) throws InterruptedException {
        try (ProducerObject producer = ProducerObject.create(RING, 500)) {
            Sample sample = new Sample();
            RecordDecoder<Sample> decoder = r -> {
                sample.seq = r.getLongLE(r.readerIndex());
                return sample;
            };
            Drainer<Sample> drainer = new Drainer<>() {
                @Override
                protected void hookOnNext(Sample value) {
                    record(1);
                }
            };
            RingBufferReceiver.create(producer.ring(), RingBufferOptions.create().withName("drain-flux"))
                    .receive(decoder).subscribe(drainer);
            return timeRounds(producer, drainer, rounds, true);
        }
    }

    static DrainFigures drainBatch(int rounds) throws InterruptedException {
        try (ProducerObject producer = ProducerObject.create(RING, 500)) {
            long[] seqSum = new long[1];
            Consumer<ByteBuf> reader = r -> seqSum[0] += r.getLongLE(r.readerIndex());
            Drainer<RecordBatch> drainer = new Drainer<>() {
                @Override
                protected void hookOnNext(RecordBatch batch) {
                    batch.forEach(reader);
                    record(batch.size());
                    if (count < target) {
                        request(1);
                    }
                }
            };
            RingBufferReceiver.create(producer.ring(), RingBufferOptions.create().withName("drain-batch")
                    .withBatchSize(8192)).receiveBatches().subscribe(drainer);
            return timeRounds(producer, drainer, rounds, false);
        }
    }

    /**
     * Returns received, produced, dropped and elapsed ns over the whole run (with the JIT warm-up),
     * then for the steady-state window after the warm-up: reader bytes allocated, records produced,
     * records received, records dropped, window ns.
     */
    static long[] live(int seconds) throws InterruptedException {
        try (ProducerObject producer = ProducerObject.create(RING, 500)) {
            Sample sample = new Sample();
            AtomicLong received = new AtomicLong();
            Thread[] readerThread = new Thread[1];
            RecordDecoder<Sample> decoder = r -> {
                sample.seq = r.getLongLE(r.readerIndex());
                return sample;
            };
            CountDownLatch started = new CountDownLatch(1);
            var subscription = RingBufferReceiver.create(producer.ring(), RingBufferOptions.create().withName("live"))
                    .receive(decoder)
                    .subscribe(s -> {
                        long r = received.get();
                        received.lazySet(r + 1); // single writer: a release store, no locked instruction
                        if (r == 0) {
                            readerThread[0] = Thread.currentThread();
                            started.countDown();
                        }
                    });
            volatileStop = false;
            Thread load = new Thread(() -> {
                while (!volatileStop) {
                    producer.trigger(1);
                }
            }, "live-producer");
            long t0 = System.nanoTime();
            load.start();
            started.await(10, TimeUnit.SECONDS);
            com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            Thread.sleep(Math.min(1000, seconds * 300L)); // warm-up
            long tid = readerThread[0].getId();
            long alloc0 = threads.getThreadAllocatedBytes(tid);
            long rec0 = producer.produced();
            long received0 = received.get();
            long dropped0 = producer.dropped();
            long window0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            long alloc1 = threads.getThreadAllocatedBytes(tid);
            long rec1 = producer.produced();
            long received1 = received.get();
            long dropped1 = producer.dropped();
            long window1 = System.nanoTime();
            volatileStop = true;
            load.join();
            long produced = producer.produced();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (received.get() < produced && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            long elapsed = System.nanoTime() - t0;
            subscription.dispose();
            return new long[] {received.get(), produced, producer.dropped(), elapsed, alloc1 - alloc0, rec1 - rec0,
                    received1 - received0, dropped1 - dropped0, window1 - window0};
        }
    }

    private static volatile boolean volatileStop;

    /** When the latency decoder starts recording (after the warm-up at the same rate). */
    private static volatile long latencyFrom;

    /** Warm-up of each latency run at its rate before samples count: the JIT compiles this decoder's path. */
    private static final long LATENCY_WARM_UP_NANOS = TimeUnit.SECONDS.toNanos(1);

    /**
     * Latency percentiles {p50, p99, samples} in ns at {@code rate} records/s, over {@code seconds}
     * after a warm-up second at the same rate (each run's decoder is a new class, so the reader's
     * loop is recompiled for it; those pauses are the JIT's, not the stream's).
     */
    static long[] latency(int rate, boolean adaptive, int seconds) throws InterruptedException {
        int batch = rate >= 100_000 ? 50 : 10;
        long triggersPerSecond = rate / batch;
        long interval = 1_000_000_000L / triggersPerSecond;
        try (ProducerObject producer = ProducerObject.create(RING, batch)) {
            long[] latencies = new long[(int) Math.min(20_000_000L, (long) rate * (seconds + 1))];
            int[] n = new int[1];
            latencyFrom = Long.MAX_VALUE;
            RingBufferOptions options = RingBufferOptions.create().withName("latency")
                    .withWaitStrategy(adaptive ? WaitStrategy.adaptive(Duration.ofNanos(50_000)) : WaitStrategy.sleeping());
            var subscription = RingBufferReceiver.create(producer.ring(), options)
                    .receive(r -> {
                        long now = System.nanoTime();
                        if (now >= latencyFrom && n[0] < latencies.length) {
                            latencies[n[0]++] = now - r.getLongLE(r.readerIndex() + 8);
                        }
                        return Boolean.TRUE;
                    })
                    .subscribe();
            Thread.sleep(50);
            long start = System.nanoTime();
            latencyFrom = start + LATENCY_WARM_UP_NANOS;
            long end = latencyFrom + seconds * 1_000_000_000L;
            long next = start;
            while (next < end) {
                long now = System.nanoTime();
                if (now < next) {
                    long wait = next - now;
                    if (wait > 200_000) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait - 100_000);
                    } else {
                        Thread.onSpinWait();
                    }
                    continue;
                }
                producer.trigger(1);
                next += interval;
            }
            Thread.sleep(100);
            subscription.dispose();
            long[] steady = Arrays.copyOf(latencies, n[0]);
            Arrays.sort(steady);
            if (steady.length == 0) {
                return new long[] {0, 0, 0};
            }
            return new long[] {steady[steady.length / 2], steady[(int) (steady.length * 0.99)], steady.length};
        }
    }
}
