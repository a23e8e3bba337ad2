package dev.bpflux.reactor.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.reactor.RecordDecoder;
import dev.bpflux.reactor.testing.PerfProducer;
import dev.bpflux.reactor.testing.ProcessResources;
import dev.bpflux.testing.KernelTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.test.StepVerifier;

@KernelTest
class PerfEventArrayReceiverKernelTest {
    private static final RecordDecoder<Long> SEQ = r -> r.getLongLE(r.readerIndex());
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @Test
    void receivesEveryRecordOnce() {
        try (PerfProducer producer = PerfProducer.create(64)) {
            // The whole burst must fit one CPU's buffer even if the reader does not run until it
            // ended (slow emulated guests): 1280 samples of 32 bytes (8 header, 4 size, 16 raw
            // padded to 20) are 40 KiB, more than the default 8 pages; losses are tested below.
            PerfEventArrayReceiver receiver = PerfEventArrayReceiver.create(producer.events(),
                    PerfBufferOptions.create().withPagesPerCpu(16));
            List<Long> got = new ArrayList<>();
            StepVerifier.create(receiver.receive(SEQ).take(20 * 64))
                    .then(() -> producer.trigger(20))
                    .recordWith(() -> got)
                    .expectNextCount(20 * 64)
                    .expectComplete()
                    .verifyThenAssertThat(TIMEOUT)
                    .hasNotDroppedElements();
            assertEquals(20 * 64, producer.produced());
            assertEquals(0, producer.failed());
            // a thread may move between CPUs: order holds per CPU, so compare as a set
            TreeSet<Long> seqs = new TreeSet<>(got);
            assertEquals(got.size(), seqs.size(), "no duplicates");
            assertEquals(0L, seqs.first());
            assertEquals(20 * 64 - 1L, seqs.last());
        }
    }

    @Test
    void lostRecordsAreCountedSoReceivedPlusLostIsWhatWasOutput() {
        try (PerfProducer producer = PerfProducer.create(64)) {
            long fds = ProcessResources.openFds();
            PerfEventArrayReceiver receiver = PerfEventArrayReceiver.create(producer.events(),
                    PerfBufferOptions.create().withPagesPerCpu(2));
            long[] received = new long[1];
            long[] lost = new long[1];
            long[] afterFill = new long[1];
            long[] atMatch = new long[4];
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            Thread flusher = new Thread(() -> {
                while (!stop.get()) {
                    producer.trigger(1);
                    java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
                }
            }, "perf-flusher");
            java.util.function.Predicate<Long> count = v -> {
                if (v >= 0) {
                    received[0]++;
                } else {
                    lost[0] -= v;
                }
                return true;
            };
            StepVerifier.create(receiver.receive(SEQ, n -> -n), 0)
                    .then(() -> {
                        producer.trigger(100); // 6400 records of 32 bytes into 8 KiB per CPU: most fail
                        afterFill[0] = producer.produced();
                    })
                    .expectNoEvent(Duration.ofMillis(100))
                    .thenRequest(Long.MAX_VALUE)
                    .thenConsumeWhile(v -> count.test(v) && received[0] < afterFill[0])
                    // the kernel writes a CPU's LOST record with that CPU's next output once there is room:
                    // keep outputting (from a thread that may run on any CPU) until every loss is reported
                    .then(flusher::start)
                    .thenConsumeWhile(v -> {
                        count.test(v);
                        long produced = producer.produced();
                        long failed = producer.failed();
                        // Both counts, not just their sums: with the flusher still outputting, a record can
                        // arrive before the program has counted it while a loss is not yet reported, and
                        // the sums then agree by coincidence.
                        if (received[0] == produced && lost[0] == failed) {
                            atMatch[0] = produced;
                            atMatch[1] = failed;
                            atMatch[2] = received[0];
                            atMatch[3] = lost[0];
                            return false;
                        }
                        return true;
                    })
                    .thenCancel()
                    .verify(TIMEOUT);
            stop.set(true);
            try {
                flusher.join();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            // outputs after the last element checked are not compared: check at the moment the stream matched
            assertTrue(producer.failed() > 0, "the buffers overflowed");
            // the stream matched: received + lost == outputs attempted, sample for sample
            assertEquals(atMatch[0], atMatch[2], "every successful output is received");
            assertEquals(atMatch[1], atMatch[3], "every failed output is reported lost");
            assertEquals(fds, ProcessResources.awaitValue(ProcessResources::openFds, fds, Duration.ofSeconds(5)));
        }
    }

    @Test
    void cancelClosesThePerCpuEventsExactlyOnce() {
        try (PerfProducer producer = PerfProducer.create(8)) {
            long fds = ProcessResources.openFds();
            long maps = ProcessResources.bpfMappings();
            long perfMaps = mappingsOf("perf_event");
            for (int i = 0; i < 200; i++) {
                StepVerifier.create(PerfEventArrayReceiver.create(producer.events(), PerfBufferOptions.create())
                                .receive(SEQ).take(8))
                        .then(() -> producer.trigger(1))
                        .expectNextCount(8)
                        .expectComplete()
                        .verify(TIMEOUT);
            }
            assertEquals(maps, ProcessResources.bpfMappings());
            assertEquals(perfMaps, ProcessResources.awaitValue(() -> mappingsOf("perf_event"), perfMaps, Duration.ofSeconds(5)));
            assertEquals(fds, ProcessResources.awaitValue(ProcessResources::openFds, fds, Duration.ofSeconds(5)));
        }
    }

    @Test
    void aWakeupWatermarkWakesTheReaderOnlyOnceThatManyBytesArePending() throws InterruptedException {
        // a sample record takes 32 bytes (8 header, 4 size, 16 raw padded to 20): a batch of 64 is
        // 2048 bytes, below the watermark of 4000; two batches on one CPU (4096 bytes) pass it
        try (PerfProducer producer = PerfProducer.create(64)) {
            long fds = ProcessResources.openFds();
            PerfEventArrayReceiver receiver = PerfEventArrayReceiver.create(producer.events(),
                    PerfBufferOptions.create().withPagesPerCpu(16).withWakeupWatermark(4000));
            AtomicLong received = new AtomicLong();
            AtomicLong lost = new AtomicLong();
            BaseSubscriber<Long> subscriber = new BaseSubscriber<>() {
                @Override
                protected void hookOnSubscribe(Subscription subscription) {
                    subscription.request(1);
                }

                @Override
                protected void hookOnNext(Long v) {
                    if (v >= 0) {
                        received.incrementAndGet();
                    } else {
                        lost.addAndGet(-v);
                    }
                }
            };
            receiver.receive(SEQ, n -> -n).subscribe(subscriber);
            try {
                Thread.sleep(500); // the reader thread registered the buffers and sleeps in epoll_wait
                producer.trigger(1);
                Thread.sleep(300);
                assertEquals(0, received.get() + lost.get(), "2048 bytes pending on one CPU do not wake the reader");
                // each further batch lands on the CPU the thread runs on: after one per CPU more, some
                // CPU holds two batches, past the watermark
                int cpus = PerfBufferReader.onlineCpus().length;
                int triggers = 1;
                while (received.get() == 0 && triggers < cpus + 1) {
                    producer.trigger(1);
                    triggers++;
                    ProcessResources.awaitValue(received::get, 1, Duration.ofMillis(300));
                }
                assertEquals(1, ProcessResources.awaitValue(received::get, 1, TIMEOUT),
                        "woken once more than 4000 bytes were pending on a CPU, after " + triggers + " batches");
                assertTrue(triggers >= 2);
                // what stays below the watermark is read when the reader is woken otherwise: here by demand
                producer.trigger(5);
                long produced = producer.produced();
                subscriber.request(Long.MAX_VALUE);
                assertEquals(produced, ProcessResources.awaitValue(received::get, produced, TIMEOUT),
                        "every record is received");
                assertEquals(producer.failed(), lost.get(), "received + lost == produced");
                assertEquals((triggers + 5) * 64L, producer.produced() + producer.failed());
            } finally {
                subscriber.dispose();
            }
            assertEquals(fds, ProcessResources.awaitValue(ProcessResources::openFds, fds, Duration.ofSeconds(5)));
        }
    }

    private static long mappingsOf(String what) {
        try (var lines = java.nio.file.Files.lines(java.nio.file.Path.of("/proc/self/maps"))) {
            return lines.filter(l -> l.contains(what)).count();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
