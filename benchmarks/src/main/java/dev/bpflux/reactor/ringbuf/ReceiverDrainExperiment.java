package dev.bpflux.reactor.ringbuf;

import dev.bpflux.benchmarks.ProducerObject;
import dev.bpflux.reactor.RecordDecoder;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import reactor.core.publisher.BaseSubscriber;

/**
 * The other half of {@link KernelRingDrainExperiment}: the same producer drained through
 * {@code RingBufferReceiver.receive(decoder)} as the comparison harness does, printing wall time
 * and the loop thread's CPU time per record (7.3-7.5 ns CPU on 2026-11-23 14:20: the loop thread,
 * not waiting, spends the extra 4 ns; no syscalls per drain call, per strace; 5.3-5.6 ns at 15:42,
 * see docs/performance.md for the steps). Its subscriber's latch is counted down once per round:
 * the rare call in {@code onNext} that made C2 keep the drain loop's values on the stack. Needs root.
 */
public class ReceiverDrainExperiment {
    static final class Drainer extends BaseSubscriber<long[]> {
        volatile CountDownLatch done;
        long target;
        long count;
        volatile Thread thread;

        @Override
        protected void hookOnSubscribe(org.reactivestreams.Subscription subscription) {
        }

        @Override
        protected void hookOnNext(long[] value) {
            if (thread == null) {
                thread = Thread.currentThread();
            }
            count++;
            if (count >= target) {
                done.countDown();
            }
        }
    }

    public static void main(String[] args) throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        try (ProducerObject p = ProducerObject.create(4 << 20, 500)) {
            long[] s = new long[1];
            RecordDecoder<long[]> decoder = r -> {
                s[0] = r.getLongLE(r.readerIndex());
                return s;
            };
            Drainer d = new Drainer();
            RingBufferReceiver.create(p.ring(), RingBufferOptions.create().withName("exp")).receive(decoder).subscribe(d);
            long consumed = 0;
            double[] wall = new double[40];
            double[] cpu = new double[40];
            for (int round = 0; round < 60; round++) {
                long dr = p.dropped();
                while (p.dropped() == dr) {
                    p.trigger(1);
                }
                long n = p.produced() - consumed;
                d.target = d.count + n;
                d.done = new CountDownLatch(1);
                long c0 = d.thread == null ? 0 : mx.getThreadCpuTime(d.thread.getId());
                long w0 = System.nanoTime();
                d.request(n);
                d.done.await(30, TimeUnit.SECONDS);
                long w1 = System.nanoTime();
                long c1 = mx.getThreadCpuTime(d.thread.getId());
                consumed += n;
                if (round >= 20) {
                    wall[round - 20] = (w1 - w0) / (double) n;
                    cpu[round - 20] = c0 == 0 ? 0 : (c1 - c0) / (double) n;
                }
            }
            d.dispose();
            Arrays.sort(wall);
            Arrays.sort(cpu);
            System.out.printf("receiver: wall ns/record min %.2f median %.2f; loop thread cpu min %.2f median %.2f%n",
                    wall[0], wall[20], cpu[0], cpu[20]);
        }
    }
}
