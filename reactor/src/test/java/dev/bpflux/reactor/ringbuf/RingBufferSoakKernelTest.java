package dev.bpflux.reactor.ringbuf;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.reactor.RecordDecoder;
import dev.bpflux.reactor.testing.KernelObjectIds;
import dev.bpflux.reactor.testing.ProcessResources;
import dev.bpflux.reactor.testing.RingBufferProducer;
import dev.bpflux.testing.KernelTest;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;

/**
 * Soak: the real producer object writes into a ring at full rate (one thread calling getpgid in a
 * loop, 500 records a call) while subscribers of one shared stream join, cancel, complete and fail
 * at random, and the decoder itself fails now and then (which ends the ring subscription; the next
 * subscriber maps the ring again). Afterwards every record the kernel accepted was received exactly
 * once and in order, received + dropped == offered, and fds, BPF mappings, heap (after GC) and the
 * kernel's program and map ids are back where they started.
 *
 * <p>Runs {@code -Dbpflux.soak.seconds} seconds (35 by default, what {@code mvn verify} spends); the
 * documented long run is {@code -Dbpflux.soak.seconds=600}. It prints its figures on one line.
 */
@KernelTest
class RingBufferSoakKernelTest {
    private static final Duration DURATION = Duration.ofSeconds(Long.getLong("bpflux.soak.seconds", 35));
    private static final int RING_BYTES = 1 << 18;
    private static final int MAX_SUBSCRIBERS = 8;
    /** Heap growth after GC tolerated (class loading, JIT and Reactor's caches settle in the warm-up). */
    private static final long HEAP_SLACK = 24L << 20;

    /** What the run did, for the assertions and the printed figures. */
    private static final class Counts {
        final AtomicLong received = new AtomicLong();
        final AtomicLong lastSeq = new AtomicLong(-1);
        final AtomicLong outOfOrder = new AtomicLong();
        final AtomicLong ringSubscriptions = new AtomicLong();
        final AtomicLong decoderFaults = new AtomicLong();
        final AtomicLong subscribers = new AtomicLong();
        final AtomicLong cancelled = new AtomicLong();
        final AtomicLong completed = new AtomicLong();
        final AtomicLong failedDownstream = new AtomicLong();
        final AtomicLong failedByDecoder = new AtomicLong();
        final AtomicLong subscriberOrderViolations = new AtomicLong();
        /** Faults raised after their subscriber had gone (Reactor drops them: counted, not logged). */
        final AtomicLong droppedErrors = new AtomicLong();
    }

    @Test
    // Issue 10 soak finding: Reactor's publish() loses the upstream cancel when its last subscriber leaves
    // while the reader thread delivers (FluxPublish.PublishSubscriber.drain finalizes without cancelling
    // upstream; reactor-core 3.7.3 and current main), so a ring subscription stays open with its fds and
    // mappings. Tagged "soak": not in `mvn verify` until then.
    @Tag("soak")
    void subscribersJoiningCancellingAndFailingAtRandomLeaveNothingBehind() throws Exception {
        try (RingBufferProducer warmUp = RingBufferProducer.create(RING_BYTES, 500)) {
            // the loader keeps per-process descriptors (kernel BTF, probes) from its first load
            soakFor(warmUp, Duration.ofSeconds(2), new Random(1), new Counts());
        }
        long fds = ProcessResources.openFds();
        long mappings = ProcessResources.bpfMappings();
        long heap = usedHeapAfterGc();

        Counts c = new Counts();
        long start = System.nanoTime();
        KernelObjectIds ids;
        long produced;
        long dropped;
        long offered;
        try (RingBufferProducer producer = RingBufferProducer.create(RING_BYTES, 500)) {
            ids = KernelObjectIds.of(producer.object());
            soakFor(producer, DURATION, new Random(0x50a4), c);
            produced = producer.produced();
            dropped = producer.dropped();
            offered = producer.nextSeq();
        }
        double seconds = (System.nanoTime() - start) / 1e9;

        List<String> alive = ids.awaitGone(Duration.ofSeconds(10));
        long fdsAfter = ProcessResources.awaitValue(ProcessResources::openFds, fds, Duration.ofSeconds(5));
        long mappingsAfter =
                ProcessResources.awaitValue(ProcessResources::bpfMappings, mappings, Duration.ofSeconds(5));
        long heapAfter = usedHeapAfterGc();
        System.out.printf("soak: %.0f s, offered %d, produced %d, received %d (%d out of order or twice), "
                        + "dropped %d (%.1f M records/s received); ring subscriptions %d, subscribers %d "
                        + "(cancelled %d, completed %d, failed downstream %d, failed by decoder fault %d; "
                        + "decoder faults %d, faults after cancel %d); fds %d -> %d, bpf mappings %d -> %d, "
                        + "heap after GC %d -> %d MiB, kernel ids alive after close %s%n",
                seconds, offered, produced, c.received.get(), c.outOfOrder.get(), dropped,
                c.received.get() / seconds / 1e6, c.ringSubscriptions.get(), c.subscribers.get(), c.cancelled.get(),
                c.completed.get(), c.failedDownstream.get(), c.failedByDecoder.get(), c.decoderFaults.get(),
                c.droppedErrors.get(), fds, fdsAfter, mappings, mappingsAfter, heap >> 20, heapAfter >> 20, alive);

        long heapGrowth = heapAfter - heap;
        assertAll(
                () -> assertEquals(produced, c.received.get(), "every record the kernel accepted was received"),
                () -> assertEquals(offered, c.received.get() + dropped, "received + dropped == offered"),
                () -> assertEquals(0, c.outOfOrder.get(), "records left the ring in sequence order, none twice"),
                () -> assertEquals(0, c.subscriberOrderViolations.get(),
                        "each subscriber saw increasing sequence numbers"),
                () -> assertTrue(c.ringSubscriptions.get() > 1 && c.decoderFaults.get() > 0 && c.cancelled.get() > 0
                        && c.completed.get() > 0 && c.failedDownstream.get() > 0, "the run exercised every way out"),
                () -> assertEquals(List.of(), alive, "the kernel freed the object's programs and maps"),
                () -> assertEquals(fds, fdsAfter, "open fds back to baseline"),
                () -> assertEquals(mappings, mappingsAfter, "BPF mappings back to baseline"),
                () -> assertTrue(heapGrowth <= HEAP_SLACK, "heap after GC grew by " + (heapGrowth >> 20) + " MiB"));
    }

    /**
     * The race the soak found, alone: a shared stream ({@code publish().refCount(1)}) whose
     * subscribers come and go, so that its ring subscription is cancelled from another thread while
     * it is being set up. Each lost cancel left a reader thread in {@code epoll_wait} with the ring
     * still mapped (its epoll fd, eventfd and two mappings). The reader never got the cancel: the
     * leaked ones' PublishSubscriber was CANCELLED|FINALIZED with its upstream never cancelled, and a
     * Flux.create source in place of the ring loses about 1 cancel in 40 the same way.
     */
    @Test
    @Tag("soak") // issue 10: Reactor's publish() loses about 1 upstream cancel in 100-200 here; not in `mvn verify`
    void cancellingASharedStreamWhileItConnectsLeavesNoReaderBehind() throws Exception {
        try (RingBufferProducer producer = RingBufferProducer.create(RING_BYTES, 500)) {
            long fds = ProcessResources.openFds();
            long mappings = ProcessResources.bpfMappings();
            AtomicBoolean producing = new AtomicBoolean(true);
            Thread producerThread = new Thread(() -> {
                while (producing.get()) {
                    producer.trigger(1);
                }
            }, "churn-producer");
            producerThread.start();
            Flux<Long> shared = RingBufferReceiver.create(producer.ring(), RingBufferOptions.create().withName("churn"))
                    .receive(r -> r.getLongLE(r.readerIndex()))
                    .publish()
                    .refCount(1);
            Random rnd = new Random(7);
            try {
                for (int i = 0; i < 1000; i++) {
                    Disposable first = shared.subscribe();
                    Thread.sleep(rnd.nextInt(3));
                    Disposable second = shared.take(1 + rnd.nextInt(5000)).subscribe();
                    first.dispose();
                    Thread.sleep(rnd.nextInt(3));
                    second.dispose();
                }
            } finally {
                producing.set(false);
                producerThread.join();
            }
            assertEquals(fds, ProcessResources.awaitValue(ProcessResources::openFds, fds, Duration.ofSeconds(5)),
                    "every subscription's epoll fd and eventfd closed");
            assertEquals(mappings, ProcessResources.awaitValue(ProcessResources::bpfMappings, mappings,
                    Duration.ofSeconds(5)), "every subscription's ring mappings unmapped");
        }
    }

    /**
     * Runs the producer for {@code duration} with random subscribers, then stops it and drains the
     * ring with one last subscriber until every produced record was received.
     */
    private static void soakFor(RingBufferProducer producer, Duration duration, Random rnd, Counts c)
            throws InterruptedException {
        Hooks.onErrorDropped(e -> c.droppedErrors.incrementAndGet());
        try {
            churn(producer, duration, rnd, c);
        } finally {
            Hooks.resetOnErrorDropped();
        }
    }

    private static void churn(RingBufferProducer producer, Duration duration, Random rnd, Counts c)
            throws InterruptedException {
        AtomicBoolean faultArmed = new AtomicBoolean();
        RecordDecoder<Long> decoder = r -> {
            if (faultArmed.compareAndSet(true, false)) {
                c.decoderFaults.incrementAndGet();
                throw new IllegalStateException("soak: injected decoder fault");
            }
            return r.getLongLE(r.readerIndex());
        };
        Flux<Long> shared = RingBufferReceiver.create(producer.ring(), RingBufferOptions.create().withName("soak"))
                .receive(decoder)
                .doOnSubscribe(s -> c.ringSubscriptions.incrementAndGet())
                .doOnNext(seq -> {
                    c.received.incrementAndGet();
                    if (seq <= c.lastSeq.getAndSet(seq)) {
                        c.outOfOrder.incrementAndGet();
                    }
                })
                .publish()
                .refCount(1);

        AtomicBoolean producing = new AtomicBoolean(true);
        Thread producerThread = new Thread(() -> {
            while (producing.get()) {
                producer.trigger(1);
            }
        }, "soak-producer");
        producerThread.start();
        List<Disposable> live = new ArrayList<>();
        try {
            long end = System.nanoTime() + duration.toNanos();
            while (System.nanoTime() < end) {
                live.removeIf(Disposable::isDisposed);
                int action = rnd.nextInt(100);
                if (action < 40 && live.size() < MAX_SUBSCRIBERS) {
                    live.add(join(shared, rnd, c));
                } else if (action < 70 && !live.isEmpty()) {
                    live.remove(rnd.nextInt(live.size())).dispose();
                    c.cancelled.incrementAndGet();
                } else if (action < 73) {
                    faultArmed.set(true);
                }
                Thread.sleep(rnd.nextInt(20));
            }
        } finally {
            producing.set(false);
            producerThread.join();
            live.forEach(Disposable::dispose);
        }
        faultArmed.set(false);
        // drain what the ring still holds
        long produced = producer.produced();
        Disposable drain = shared.subscribe();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (c.received.get() < produced && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        drain.dispose();
    }

    /** A subscriber that stays until cancelled, takes a few records and completes, or fails downstream. */
    private static Disposable join(Flux<Long> shared, Random rnd, Counts c) {
        c.subscribers.incrementAndGet();
        AtomicLong last = new AtomicLong(-1);
        Flux<Long> f = shared.doOnNext(seq -> {
            if (seq <= last.getAndSet(seq)) {
                c.subscriberOrderViolations.incrementAndGet();
            }
        });
        int kind = rnd.nextInt(3);
        if (kind == 1) {
            f = f.take(1 + rnd.nextInt(200_000));
        } else if (kind == 2) {
            long failAt = 1 + rnd.nextInt(200_000);
            AtomicLong seen = new AtomicLong();
            f = f.doOnNext(seq -> {
                if (seen.incrementAndGet() == failAt) {
                    throw new IllegalStateException("soak: subscriber fault");
                }
            });
        }
        return f.subscribe(seq -> { }, e -> {
            if (e.getMessage() != null && e.getMessage().contains("decoder fault")) {
                c.failedByDecoder.incrementAndGet();
            } else {
                c.failedDownstream.incrementAndGet();
            }
        }, c.completed::incrementAndGet);
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
