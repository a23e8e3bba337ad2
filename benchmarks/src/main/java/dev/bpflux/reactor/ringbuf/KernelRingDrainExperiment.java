package dev.bpflux.reactor.ringbuf;

import dev.bpflux.benchmarks.ProducerObject;
import dev.bpflux.reactor.RecordDecoder;
import dev.bpflux.sys.MappedMemory;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import org.reactivestreams.Subscriber;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

/**
 * Diagnosis of the {@code Flux<T>} drain gap: {@link RingBufferConsumer#drain} over the kernel's
 * own ring (filled by the benchmark producer), called directly on this thread, with the sink a
 * plain lambda ({@code direct}), a {@code Flux.using} + {@code BaseSubscriber} chain (what
 * receive() had until 15:00; {@code reactor}) or a copy of RingBufferReader's sink
 * ({@code readerlike}; a second argument uses the comparison harness's subscriber, whose latch is
 * never reached here). Prints thread CPU and wall time per record. Measured 2026-11-23 14:20: 2.9,
 * 3.2, 3.3 and 3.4 ns, against 7.5 ns for the same records through {@link RingBufferReceiver} on
 * its loop thread ({@link ReceiverDrainExperiment}); 15:42, after the drain loop carried only its
 * offset: 2.45 ns ({@code direct}) and 2.9 ns ({@code readerlike x}), against 5.3-5.6 ns. Needs root.
 */
public class KernelRingDrainExperiment {
    static long sum;

    /** The comparison harness's subscriber. */
    static final class Drainer extends BaseSubscriber<long[]> {
        volatile java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        long target = Long.MAX_VALUE;
        long count;
        long firstCount;
        long first;
        long last;

        @Override
        protected void hookOnSubscribe(org.reactivestreams.Subscription subscription) {
        }

        @Override
        protected void hookOnNext(long[] value) {
            record(1);
        }

        void record(long n) {
            if (count == 0) {
                first = System.nanoTime();
                firstCount = n;
            }
            count += n;
            if (count >= target) {
                last = System.nanoTime();
                done.countDown();
            }
        }
    }
    static long count;

    public static void main(String[] args) throws Exception {
        int ring = 4 << 20;
        boolean reactor = args.length > 0 && !args[0].equals("direct");
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (ProducerObject p = ProducerObject.create(ring, 500)) {
            MappedMemory cpage = MappedMemory.map(p.ring().fd(), 4096, MappedMemory.PROT_READ | MappedMemory.PROT_WRITE, 0);
            MappedMemory parea = MappedMemory.map(p.ring().fd(), 4096 + 2L * ring, MappedMemory.PROT_READ, 4096);
            RingBufferConsumer c = new RingBufferConsumer(cpage.asByteBuffer(), parea.asByteBuffer().asReadOnlyBuffer(), 4096, ring);
            long[] s = new long[1];
            RecordDecoder<long[]> decoder = r -> {
                s[0] = r.getLongLE(r.readerIndex());
                return s;
            };
            @SuppressWarnings("unchecked")
            Subscriber<? super long[]>[] captured = new Subscriber[1];
            Flux.using(() -> "ring", x -> Flux.<long[]>from(sub -> {
                captured[0] = sub;
                sub.onSubscribe(Operators.emptySubscription());
            }), x -> { }).name("bench").subscribe(args.length > 1 ? new Drainer() : new BaseSubscriber<long[]>() {
                @Override
                protected void hookOnNext(long[] value) {
                    count++;
                }
            });
            Subscriber<? super long[]> chain = captured[0];
            RingBufferConsumer.RecordSink<long[]> direct = v -> {
                sum += v[0];
                return true;
            };
            RingBufferConsumer.RecordSink<long[]> viaReactor = v -> {
                chain.onNext(v);
                return true;
            };
            final class ReaderLike implements RingBufferConsumer.RecordSink<long[]> {
                Subscriber<? super long[]> actual;
                boolean cancelSeen;

                @Override
                public boolean accept(long[] value) {
                    actual.onNext(value);
                    return !cancelSeen;
                }
            }
            ReaderLike readerLike = new ReaderLike();
            readerLike.actual = chain;
            RingBufferConsumer.RecordSink<long[]> sink = args[0].equals("readerlike") ? readerLike : reactor ? viaReactor : direct;
            long[] tally = new long[2];
            double[] cpuNs = new double[60];
            double[] wallNs = new double[60];
            for (int round = 0; round < 80; round++) {
                long d = p.dropped();
                while (p.dropped() == d) {
                    p.trigger(1);
                }
                long n;
                long t0;
                long w0;
                long w1;
                long t1;
                if (Boolean.getBoolean("otherThread")) {
                    long[] res = new long[4];
                    Thread t = new Thread(() -> {
                        long k = 0;
                        res[0] = threads.getCurrentThreadCpuTime();
                        res[1] = System.nanoTime();
                        while (c.hasData()) {
                            k += c.drain(1024, decoder, sink, tally);
                        }
                        res[2] = System.nanoTime();
                        res[3] = threads.getCurrentThreadCpuTime();
                        res[0] = res[3] - res[0];
                        res[3] = k;
                    });
                    t.start();
                    t.join();
                    n = res[3];
                    t0 = 0;
                    t1 = res[0];
                    w0 = res[1];
                    w1 = res[2];
                } else {
                    n = 0;
                    t0 = threads.getCurrentThreadCpuTime();
                    w0 = System.nanoTime();
                    while (c.hasData()) {
                        n += c.drain(1024, decoder, sink, tally);
                    }
                    w1 = System.nanoTime();
                    t1 = threads.getCurrentThreadCpuTime();
                }
                if (round >= 20) {
                    cpuNs[round - 20] = (t1 - t0) / (double) n;
                    wallNs[round - 20] = (w1 - w0) / (double) n;
                }
            }
            Arrays.sort(cpuNs);
            Arrays.sort(wallNs);
            System.out.printf(args[0] + " %s: cpu ns/record min %.2f median %.2f; wall min %.2f median %.2f%n", reactor ? "reactor" : "direct",
                    cpuNs[0], cpuNs[30], wallNs[0], wallNs[30]);
            parea.close();
            cpage.close();
        }
    }
}
