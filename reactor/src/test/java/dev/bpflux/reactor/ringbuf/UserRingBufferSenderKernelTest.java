package dev.bpflux.reactor.ringbuf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.load.BpfObject;
import dev.bpflux.reactor.RecordEncoder;
import dev.bpflux.reactor.WaitStrategy;
import dev.bpflux.reactor.poll.PollLoop;
import dev.bpflux.reactor.testing.ProcessResources;
import dev.bpflux.reactor.testing.UserRingBufferDrainProgram;
import dev.bpflux.sys.ProcessCalls;
import dev.bpflux.testing.KernelTest;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * {@link UserRingBufferSender} into {@code src/test/bpf/user_ringbuf.bpf.o}: its program drains
 * the ring on each getsid(2) of this process and counts what it saw (samples, sum, last_value,
 * out_of_order: values that were not the previous one + 1).
 */
@KernelTest
class UserRingBufferSenderKernelTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** 8-byte samples take 16 bytes with their header: a 256 KiB ring holds exactly this many. */
    private static final int FITS = 256 * 1024 / 16;
    private static final RecordEncoder<Long> SEQ = RecordEncoder.fixed(8, (v, out) -> out.writeLongLE(v));


    /** Runs the draining program every millisecond (getsid from this process) until closed. */
    private static final class Drainer implements AutoCloseable {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread = new Thread(() -> {
            while (!stop.get()) {
                ProcessCalls.getsid(0);
                LockSupport.parkNanos(1_000_000);
            }
        }, "user-ringbuf-drainer");

        Drainer start() {
            thread.start();
            return this;
        }

        @Override
        public void close() {
            stop.set(true);
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Drains until the program counted {@code expected} samples (what was sent may still sit in the ring). */
    private static long drainUntil(BpfObject obj, long expected) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        long samples = obj.global("samples").readLong();
        while (samples < expected && System.nanoTime() < deadline) {
            ProcessCalls.getsid(0);
            samples = obj.global("samples").readLong();
        }
        return samples;
    }

    /** The live thread named {@code name}. */
    private static Thread thread(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(x -> x.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no thread " + name));
    }

    private static long cpuNanos(Thread t) {
        return ManagementFactory.getThreadMXBean().getThreadCpuTime(t.getId());
    }

    private static Flux<Long> endless(AtomicLong requested, AtomicBoolean cancelled) {
        return Flux.<Long, Long>generate(() -> 1L, (n, sink) -> {
            sink.next(n);
            return n + 1;
        }).doOnRequest(requested::addAndGet).doOnCancel(() -> cancelled.set(true));
    }

    @Test
    void sendsFarMoreThanTheRingHoldsInOrderWaitingForRoom() {
        // 16-byte samples take 24 bytes: 10922 fill the ring but for 16 bytes, so it is never completely
        // full and its fd stays EPOLLOUT-ready; the sender must still sleep until a drain freed room
        int fits = 256 * 1024 / 24;
        long n = 18L * fits;
        RecordEncoder<Long> padded = RecordEncoder.fixed(16, (v, out) -> out.writeLongLE(v).writeLongLE(~v));
        try (BpfObject obj = UserRingBufferDrainProgram.load()) {
            RingBufferOptions options = RingBufferOptions.create().withName("user-rb-sender");
            AtomicLong requested = new AtomicLong();
            AtomicLong misnumbered = new AtomicLong();
            Flux<Long> values = Flux.range(1, (int) n).map(Long::valueOf).doOnRequest(requested::addAndGet);
            Flux<SendResult<Long>> sent = UserRingBufferSender.create(obj.map("user_rb"), options)
                    .send(values, padded)
                    .doOnNext(r -> {
                        if (r.sequence() != r.value() - 1 || r.length() != 16) {
                            misnumbered.incrementAndGet();
                        }
                    });
            long[] loopCpu = new long[1];
            Thread[] loop = new Thread[1];
            Drainer drainer = new Drainer();
            try (drainer) {
                StepVerifier.create(sent)
                        // nothing drains yet: exactly a ringful is written, then the sender waits
                        .expectNextCount(fits)
                        // The clock starts once the loop has finished the ringful's last write and gone to
                        // wait (an emulated guest takes a while for that), and not inside the thread search
                        // (getAllStackTraces, which this step may run on the loop thread itself).
                        .then(() -> loop[0] = thread("user-rb-sender"))
                        .expectNoEvent(Duration.ofMillis(200))
                        .then(() -> loopCpu[0] = cpuNanos(loop[0]))
                        .expectNoEvent(Duration.ofMillis(300))
                        .then(() -> {
                            long spent = cpuNanos(loop[0]) - loopCpu[0];
                            assertTrue(spent < 50_000_000L, "the loop sleeps while it waits, it spent " + spent + " ns");
                            assertEquals(fits + options.batchSize(), requested.get(),
                                    "the upstream got the queue's requests plus one per sample written, no more");
                            assertEquals(0, obj.global("samples").readLong());
                        })
                        .then(drainer::start)
                        .expectNextCount(n - fits)
                        .expectComplete()
                        .verifyThenAssertThat(TIMEOUT)
                        .hasNotDroppedElements()
                        .hasNotDroppedErrors();
            }
            assertEquals(n, drainUntil(obj, n));
            assertEquals(0, misnumbered.get());
            assertEquals(n * (n + 1) / 2, obj.global("sum").readLong());
            assertEquals(n, obj.global("last_value").readLong());
            assertEquals(0, obj.global("out_of_order").readLong(), "every value arrived once, in order");
            assertEquals(0, obj.global("short_samples").readLong());
        }
    }

    @Test
    void cancelFromInsideTheStreamStopsAfterThatSampleAndCloses() {
        try (BpfObject obj = UserRingBufferDrainProgram.load(); Drainer drainer = new Drainer().start()) {
            long maps = ProcessResources.bpfMappings();
            long fds = ProcessResources.openFds();
            AtomicLong requested = new AtomicLong();
            AtomicBoolean cancelled = new AtomicBoolean();
            long take = 3L * FITS + 17;
            StepVerifier.create(UserRingBufferSender.create(obj.map("user_rb"), RingBufferOptions.create())
                            .send(endless(requested, cancelled), SEQ)
                            .take(take))
                    .expectNextCount(take)
                    .expectComplete()
                    .verify(TIMEOUT);
            assertTrue(cancelled.get(), "the upstream was cancelled");
            assertEquals(maps, ProcessResources.awaitValue(ProcessResources::bpfMappings, maps, Duration.ofSeconds(5)));
            assertEquals(fds, ProcessResources.awaitValue(ProcessResources::openFds, fds, Duration.ofSeconds(5)));
            assertEquals(take, drainUntil(obj, take));
            drainer.close();
            ProcessCalls.getsid(0);
            assertEquals(take, obj.global("samples").readLong(), "nothing was written after the cancel");
            assertEquals(take, obj.global("last_value").readLong());
            assertEquals(0, obj.global("out_of_order").readLong());
        }
    }

    @Test
    void disposeWhileWaitingForRoomUnmapsBeforeItReturns() {
        try (BpfObject obj = UserRingBufferDrainProgram.load()) {
            long maps = ProcessResources.bpfMappings();
            AtomicLong results = new AtomicLong();
            AtomicBoolean cancelled = new AtomicBoolean();
            Disposable sending = UserRingBufferSender.create(obj.map("user_rb"), RingBufferOptions.create())
                    .send(endless(new AtomicLong(), cancelled), SEQ)
                    .subscribe(r -> results.incrementAndGet());
            assertEquals(FITS, ProcessResources.awaitValue(results::get, FITS, TIMEOUT), "a ringful, then waiting");
            assertEquals(maps + 2, ProcessResources.bpfMappings());
            sending.dispose();
            assertEquals(maps, ProcessResources.bpfMappings(), "unmapped when dispose returned");
            assertTrue(cancelled.get());
            assertEquals(FITS, drainUntil(obj, FITS));
            assertEquals(0, obj.global("out_of_order").readLong());
        }
    }

    @Test
    void aThrowingEncoderEndsWithItsErrorAndItsSampleIsDiscarded() {
        try (BpfObject obj = UserRingBufferDrainProgram.load()) {
            long maps = ProcessResources.bpfMappings();
            AtomicBoolean cancelled = new AtomicBoolean();
            RecordEncoder<Long> failsAtFive = RecordEncoder.fixed(8, (v, out) -> {
                if (v == 5) {
                    throw new IllegalStateException("cannot encode 5");
                }
                out.writeLongLE(v);
            });
            StepVerifier.create(UserRingBufferSender.create(obj.map("user_rb"), RingBufferOptions.create())
                            .send(endless(new AtomicLong(), cancelled), failsAtFive))
                    .expectNextCount(4)
                    .expectErrorMessage("cannot encode 5")
                    .verify(TIMEOUT);
            assertTrue(cancelled.get());
            assertEquals(maps, ProcessResources.awaitValue(ProcessResources::bpfMappings, maps, Duration.ofSeconds(5)));
            ProcessCalls.getsid(0);
            assertEquals(4, obj.global("samples").readLong(), "the failed sample was discarded, none followed");
            assertEquals(1 + 2 + 3 + 4, obj.global("sum").readLong());
        }
    }

    @Test
    void anUpstreamErrorEndsTheStreamAndAnOversizedSampleIsAnError() {
        try (BpfObject obj = UserRingBufferDrainProgram.load()) {
            UserRingBufferSender sender = UserRingBufferSender.create(obj.map("user_rb"), RingBufferOptions.create());
            StepVerifier.create(sender.send(Flux.concat(Flux.just(1L, 2L), Flux.error(new IllegalStateException("upstream"))),
                            SEQ))
                    .expectNextCount(2)
                    .expectErrorMessage("upstream")
                    .verify(TIMEOUT);
            StepVerifier.create(sender.send(Flux.just(new byte[256 * 1024]), RecordEncoder.bytes()))
                    .expectErrorSatisfies(e -> assertTrue(e instanceof IllegalArgumentException
                            && e.getMessage().contains("cannot fit a ring of 262144 bytes"), e.toString()))
                    .verify(TIMEOUT);
        }
    }

    @Test
    void loadsOnSubscribeAndClosesWhatItLoadedWhenDone() {
        // a first load may open descriptors the loader keeps for the process (kernel BTF, probes)
        UserRingBufferDrainProgram.load().close();
        long fds = ProcessResources.openFds();
        long maps = ProcessResources.bpfMappings();
        AtomicLong loads = new AtomicLong();
        UserRingBufferSender sender = UserRingBufferSender.create(() -> {
            BpfObject obj = UserRingBufferDrainProgram.load();
            loads.incrementAndGet();
            return RingBufferSource.of(obj.map("user_rb"), obj);
        }, RingBufferOptions.create());
        Flux<SendResult<Long>> sending = sender.send(Flux.range(1, 100).map(Long::valueOf), SEQ);
        assertEquals(0, loads.get(), "nothing is loaded before subscribe");
        for (int i = 1; i <= 2; i++) {
            StepVerifier.create(sending).expectNextCount(100).expectComplete().verify(TIMEOUT);
            assertEquals(i, loads.get());
            assertEquals(maps, ProcessResources.awaitValue(ProcessResources::bpfMappings, maps, Duration.ofSeconds(5)));
            assertEquals(fds, ProcessResources.awaitValue(ProcessResources::openFds, fds, Duration.ofSeconds(5)),
                    "the object, its link and maps, and the loop's fds are closed");
        }
    }

    @Test
    void cancelUnderLoadAThousandTimesClosesEverythingOnce() {
        try (BpfObject obj = UserRingBufferDrainProgram.load(); Drainer drainer = new Drainer().start()) {
            long maps = ProcessResources.bpfMappings();
            long fds = ProcessResources.openFds();
            PollLoop shared = PollLoop.create("shared-sender", WaitStrategy.sleeping());
            long sent = 0;
            for (int i = 0; i < 1000; i++) {
                RingBufferOptions options = RingBufferOptions.create();
                if (i % 3 == 1) {
                    options = options.withLoop(shared);
                } else if (i % 3 == 2) {
                    options = options.withWaitStrategy(WaitStrategy.adaptive(Duration.ofNanos(20_000)));
                }
                Flux<SendResult<Long>> sending = UserRingBufferSender.create(obj.map("user_rb"), options)
                        .send(endless(new AtomicLong(), new AtomicBoolean()), SEQ);
                // take cancels on the loop thread inside onNext, dispose from this one while it writes or waits
                if (i % 2 == 0) {
                    sent += sending.take(1 + i * 37L % FITS).count().block(TIMEOUT);
                } else {
                    // a take round closes on its loop after block() returned: let it finish first, so
                    // that the count below is about this round's dispose alone
                    assertEquals(maps, ProcessResources.awaitValue(ProcessResources::bpfMappings, maps, TIMEOUT),
                            "the previous round's mappings were released, round " + i);
                    AtomicLong results = new AtomicLong();
                    Disposable d = sending.subscribe(r -> results.incrementAndGet());
                    long wanted = 1 + i * 53L % (2 * FITS);
                    ProcessResources.awaitValue(() -> Math.min(results.get(), wanted), wanted, TIMEOUT);
                    d.dispose();
                    assertEquals(maps, ProcessResources.bpfMappings(), "unmapped when dispose returned, round " + i);
                    sent += results.get();
                }
            }
            assertEquals(maps, ProcessResources.awaitValue(ProcessResources::bpfMappings, maps, Duration.ofSeconds(5)));
            assertEquals(fds, ProcessResources.awaitValue(ProcessResources::openFds, fds, Duration.ofSeconds(5)));
            assertEquals(sent, drainUntil(obj, sent), "every submitted sample reached the program, no other");
        }
    }
}
