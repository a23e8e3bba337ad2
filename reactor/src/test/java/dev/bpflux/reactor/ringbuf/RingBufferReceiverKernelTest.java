package dev.bpflux.reactor.ringbuf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.reactor.DropCounter;
import dev.bpflux.reactor.RecordDecoder;
import dev.bpflux.reactor.WaitStrategy;
import dev.bpflux.reactor.metrics.StreamMetrics;
import dev.bpflux.reactor.poll.PollLoop;
import dev.bpflux.reactor.testing.ProcessResources;
import dev.bpflux.reactor.testing.RingBufferProducer;
import dev.bpflux.testing.KernelTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** Ring buffer streams against the real kernel, fed by the clang-built {@link RingBufferProducer} object. */
@KernelTest
class RingBufferReceiverKernelTest {
    private static final RecordDecoder<Long> SEQ = r -> r.getLongLE(r.readerIndex());
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private static void assertIncreasing(List<Long> seqs) {
        for (int i = 1; i < seqs.size(); i++) {
            assertTrue(seqs.get(i) > seqs.get(i - 1), "seq " + seqs.get(i) + " after " + seqs.get(i - 1) + " at " + i);
        }
    }

    @Test
    void receivesEveryRecordInOrder() {
        try (RingBufferProducer producer = RingBufferProducer.create(1 << 20, 500)) {
            int triggers = 40;
            RingBufferReceiver receiver = RingBufferReceiver.create(producer.ring(), RingBufferOptions.create());
            StepVerifier.create(receiver.receive(SEQ).take(triggers * 500L))
                    .then(() -> producer.trigger(triggers))
                    .recordWith(ArrayList::new)
                    .expectNextCount(triggers * 500L)
                    .consumeRecordedWith(seqs -> assertIncreasing(new ArrayList<>(seqs)))
                    .expectComplete()
                    .verifyThenAssertThat(TIMEOUT)
                    .hasNotDroppedElements()
                    .hasNotDroppedErrors();
            assertEquals(0, producer.dropped());
            assertEquals(triggers * 500L, producer.produced());
        }
    }

    @Test
    void takeThenRepeatReadsEveryRecordOnceAcrossSubscriptions() {
        // take(n) cancels inside onNext and repeat() subscribes again before the first reader's
        // drain call returned: each new reader starts right after the last record handed on
        try (RingBufferProducer producer = RingBufferProducer.create(1 << 20, 500)) {
            producer.trigger(4);
            List<Long> got = RingBufferReceiver.create(producer.ring(), RingBufferOptions.create())
                    .receive(SEQ).take(7).repeat(199).collectList().block(TIMEOUT);
            assertEquals(1400, got.size());
            for (int i = 0; i < got.size(); i++) {
                assertEquals(i, got.get(i), "record " + i + " of 1400 (no record lost or read twice)");
            }
        }
    }

    @Test
    void aSecondReaderOfARingIsRefusedWhileTheFirstReads() {
        // both would share the consumer position: records read twice, and the position moved under
        // a reader mid-record (IndexOutOfBoundsException on a garbage record length)
        try (RingBufferProducer producer = RingBufferProducer.create(1 << 20, 500)) {
            RingBufferReceiver receiver = RingBufferReceiver.create(producer.ring(),
                    RingBufferOptions.create().withCloseTimeout(Duration.ofMillis(300)));
            List<Long> first = java.util.Collections.synchronizedList(new ArrayList<>());
            reactor.core.Disposable reading = receiver.receive(SEQ).subscribe(first::add);
            try {
                producer.trigger(4);
                StepVerifier.create(receiver.receive(SEQ))
                        .expectErrorSatisfies(e -> {
                            assertEquals(IllegalStateException.class, e.getClass(), String.valueOf(e));
                            assertTrue(e.getMessage().contains("one reader at a time")
                                    && e.getMessage().contains(producer.ring().fd().what()), e.getMessage());
                        })
                        .verify(TIMEOUT);
                producer.trigger(4);
                long deadline = System.nanoTime() + TIMEOUT.toNanos();
                while (first.size() < 4000 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
            } finally {
                reading.dispose();
            }
            assertEquals(4000, first.size(), "the first reader got every record");
            assertIncreasing(first);
            // the ring is free again once the first reader's cancel returned
            producer.trigger(1);
            assertEquals(500, receiver.receive(SEQ).take(500).count().block(TIMEOUT));
        }
    }

    @Test
    void aSubscriberThatThrowsFromOnSubscribeLeavesNothingMapped() {
        try (RingBufferProducer producer = RingBufferProducer.create(1 << 16, 1)) {
            long maps = ProcessResources.bpfMappings();
            RingBufferReceiver.create(producer.ring(), RingBufferOptions.create()).receive(SEQ)
                    .subscribe(new reactor.core.CoreSubscriber<Long>() {
                        @Override
                        public void onSubscribe(org.reactivestreams.Subscription s) {
                            throw new IllegalStateException("broken subscriber");
                        }

                        @Override
                        public void onNext(Long value) {
                        }

                        @Override
                        public void onError(Throwable t) {
                        }

                        @Override
                        public void onComplete() {
                        }
                    });
            assertEquals(maps, ProcessResources.bpfMappings(), "the ring's two mappings are gone");
        }
    }

    @Test
    void readsOnlyWhatWasRequestedSoTheProducerDrops() {
        int ringSize = 16384; // 682 records of 24 bytes (16 + 8 header)
        try (RingBufferProducer producer = RingBufferProducer.create(ringSize, 500)) {
            RingBufferReceiver receiver = RingBufferReceiver.create(producer.ring(), RingBufferOptions.create());
            DropCounter drops = DropCounter.ofArrayValue(producer.bss(), producer.offsetOf("dropped"));
            List<Long> got = new ArrayList<>();
            StepVerifier.create(receiver.receive(SEQ), 0)
                    .then(() -> producer.trigger(1))
                    .expectNoEvent(Duration.ofMillis(100))
                    .thenRequest(10)
                    .recordWith(() -> got)
                    .expectNextCount(10)
                    .expectNoEvent(Duration.ofMillis(200))
                    .then(() -> {
                        // the reader consumed exactly 10 records: 490 remain, so the ring has room
                        // for (16384 - 490 * 24) / 24 = 192 of the next 500
                        producer.trigger(1);
                        long room = (ringSize - 490L * 24) / 24;
                        assertEquals(500 - room, producer.dropped(), "records dropped by the full ring");
                        assertEquals(500 + room, producer.produced());
                    })
                    .then(() -> assertEquals(producer.dropped(), drops.read(), "the drop counter sees the drops"))
                    .thenRequest(Long.MAX_VALUE)
                    .expectNextCount(490 + (ringSize - 490L * 24) / 24)
                    .expectNoEvent(Duration.ofMillis(100))
                    .thenCancel()
                    .verify(TIMEOUT);
            assertEquals(producer.produced(), got.size());
            assertIncreasing(got);
            // the second batch's records after the room ran out were dropped: it ends at seq 500 + room - 1
            assertEquals(500 + (ringSize - 490L * 24) / 24 - 1, got.get(got.size() - 1));
            assertEquals(1000, producer.nextSeq());
        }
    }

    @Test
    void skipsDiscardedRecords() {
        AtomicLong discarded = new AtomicLong();
        StreamMetrics metrics = new StreamMetrics() {
            @Override
            public void received(long records, long bytes) {
            }

            @Override
            public void dropped(long count) {
            }

            @Override
            public void discarded(long count) {
                discarded.addAndGet(count);
            }
        };
        try (RingBufferProducer producer = RingBufferProducer.create(1 << 20, 500, 10, 0)) {
            RingBufferReceiver receiver = RingBufferReceiver.create(producer.ring(),
                    RingBufferOptions.create().withMetrics(metrics));
            StepVerifier.create(receiver.receive(SEQ).take(4500))
                    .then(() -> producer.trigger(10))
                    .thenConsumeWhile(seq -> seq % 10 != 9)
                    .expectComplete()
                    .verify(TIMEOUT);
            assertEquals(4500, producer.produced());
            assertEquals(500, producer.discarded());
            // the last discarded record (seq 4999) lies after the 4500th kept one and may be unread
            assertTrue(discarded.get() >= 499, "discarded records skipped: " + discarded.get());
        }
    }

    @Test
    void batchesCarryEveryRecord() {
        try (RingBufferProducer producer = RingBufferProducer.create(1 << 20, 500)) {
            RingBufferReceiver receiver = RingBufferReceiver.create(producer.ring(),
                    RingBufferOptions.create().withBatchSize(256));
            AtomicLong records = new AtomicLong();
            AtomicLong last = new AtomicLong(-1);
            StepVerifier.create(receiver.receiveBatches()
                            .doOnNext(b -> {
                                assertTrue(b.size() <= 256, "batch of " + b.size());
                                b.forEach(r -> {
                                    long seq = r.getLongLE(r.readerIndex());
                                    assertEquals(last.get() + 1, seq);
                                    last.set(seq);
                                });
                            })
                            .takeUntil(b -> records.addAndGet(b.size()) >= 20 * 500))
                    .then(() -> producer.trigger(20))
                    .thenConsumeWhile(b -> true)
                    .expectComplete()
                    .verify(TIMEOUT);
            assertEquals(20 * 500, records.get());
        }
    }

    @Test
    void aThrowingDecoderEndsTheStreamAndClosesEverything() {
        try (RingBufferProducer producer = RingBufferProducer.create(1 << 16, 100)) {
            long fds = ProcessResources.openFds();
            long maps = ProcessResources.bpfMappings();
            RingBufferReceiver receiver = RingBufferReceiver.create(producer.ring(), RingBufferOptions.create());
            StepVerifier.create(receiver.receive(r -> {
                        long seq = SEQ.decode(r);
                        if (seq == 42) {
                            throw new IllegalStateException("cannot decode record " + seq);
                        }
                        return seq;
                    }))
                    .then(() -> producer.trigger(1))
                    .expectNextCount(42)
                    .expectErrorMessage("cannot decode record 42")
                    .verify(TIMEOUT);
            assertEquals(maps, ProcessResources.bpfMappings(), "ring unmapped before onError");
            assertEquals(fds, ProcessResources.awaitValue(ProcessResources::openFds, fds, Duration.ofSeconds(5)));
        }
    }

    @Test
    void cancelClosesEverythingExactlyOnce() {
        try (RingBufferProducer producer = RingBufferProducer.create(1 << 16, 100)) {
            long fds = ProcessResources.openFds();
            long maps = ProcessResources.bpfMappings();
            RingBufferReceiver receiver = RingBufferReceiver.create(producer.ring(), RingBufferOptions.create());
            StepVerifier.create(receiver.receive(SEQ))
                    .then(() -> producer.trigger(1))
                    .expectNextCount(100)
                    .then(() -> {
                        assertEquals(maps + 2, ProcessResources.bpfMappings(), "consumer page and data area mapped");
                        assertEquals(fds + 2, ProcessResources.openFds(), "epoll fd and eventfd open");
                    })
                    .thenCancel()
                    .verify(TIMEOUT);
            assertEquals(maps, ProcessResources.bpfMappings(), "unmapped when cancel returned");
            assertEquals(fds, ProcessResources.awaitValue(ProcessResources::openFds, fds, Duration.ofSeconds(5)));
        }
    }

    @Test
    void cancelUnderFullLoadThousandsOfTimes() throws Exception {
        try (RingBufferProducer producer = RingBufferProducer.create(1 << 16, 200)) {
            long fds = ProcessResources.openFds();
            long maps = ProcessResources.bpfMappings();
            Thread load = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    producer.trigger(1);
                }
            }, "producer-load");
            load.start();
            PollLoop shared = PollLoop.create("shared-cancel", WaitStrategy.sleeping());
            int rounds = 3000;
            long received = 0;
            try {
                for (int i = 0; i < rounds; i++) {
                    RingBufferOptions options = RingBufferOptions.create();
                    if (i % 3 == 1) {
                        options = options.withLoop(shared);
                    } else if (i % 3 == 2) {
                        options = options.withWaitStrategy(WaitStrategy.adaptive(Duration.ofNanos(20_000)));
                    }
                    List<Long> got = new ArrayList<>();
                    // take cancels from the reader thread, dispose from this one: both paths, racing reads
                    Flux<Long> flux = RingBufferReceiver.create(producer.ring(), options).receive(SEQ);
                    if (i % 2 == 0) {
                        got.addAll(flux.take(1 + i % 50).collectList().block(TIMEOUT));
                    } else {
                        var d = flux.subscribe(got::add);
                        while (got.isEmpty() && producer.produced() == 0) {
                            Thread.onSpinWait();
                        }
                        d.dispose();
                    }
                    received += got.size();
                }
            } finally {
                load.interrupt();
                load.join();
            }
            assertTrue(received > 0);
            assertEquals(maps, ProcessResources.awaitValue(ProcessResources::bpfMappings, maps, Duration.ofSeconds(5)));
            assertEquals(fds, ProcessResources.awaitValue(ProcessResources::openFds, fds, Duration.ofSeconds(5)));
        }
    }

    @Test
    void severalRingsShareOneLoop() {
        try (RingBufferProducer a = RingBufferProducer.create(1 << 20, 300);
                RingBufferProducer b = RingBufferProducer.create(1 << 20, 200)) {
            PollLoop loop = PollLoop.create("two-rings", WaitStrategy.sleeping());
            RingBufferOptions options = RingBufferOptions.create().withLoop(loop);
            Flux<String> both = Flux.merge(
                    RingBufferReceiver.create(a.ring(), options.withName("a")).receive(r -> "a" + SEQ.decode(r)),
                    RingBufferReceiver.create(b.ring(), options.withName("b")).receive(r -> "b" + SEQ.decode(r)));
            long fds = ProcessResources.openFds();
            StepVerifier.create(both.take(10 * 500))
                    .then(() -> a.trigger(10)) // each getpgid runs both programs
                    .recordWith(ArrayList::new)
                    .expectNextCount(10 * 500)
                    .consumeRecordedWith(all -> {
                        assertEquals(3000, all.stream().filter(s -> s.startsWith("a")).count());
                        assertEquals(2000, all.stream().filter(s -> s.startsWith("b")).count());
                    })
                    .expectComplete()
                    .verify(TIMEOUT);
            assertEquals(fds, ProcessResources.awaitValue(ProcessResources::openFds, fds, Duration.ofSeconds(5)));
        }
    }

    @Test
    void runsOnAReactorScheduler() {
        try (RingBufferProducer producer = RingBufferProducer.create(1 << 20, 500)) {
            RingBufferReceiver receiver = RingBufferReceiver.create(producer.ring(),
                    RingBufferOptions.create().withScheduler(Schedulers.boundedElastic()));
            StepVerifier.create(receiver.receive(r -> Thread.currentThread().getName()).take(500))
                    .then(() -> producer.trigger(1))
                    .expectNextMatches(name -> name.startsWith("boundedElastic"))
                    .expectNextCount(499)
                    .expectComplete()
                    .verify(TIMEOUT);
        }
    }
}
