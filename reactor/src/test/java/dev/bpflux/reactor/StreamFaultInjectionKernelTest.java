package dev.bpflux.reactor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bpflux.load.BpfObject;
import dev.bpflux.load.LoadOptions;
import dev.bpflux.reactor.perf.PerfBufferOptions;
import dev.bpflux.reactor.perf.PerfEventArrayReceiver;
import dev.bpflux.reactor.ringbuf.RingBufferOptions;
import dev.bpflux.reactor.ringbuf.RingBufferReceiver;
import dev.bpflux.reactor.ringbuf.RingBufferSource;
import dev.bpflux.sys.Errno;
import dev.bpflux.sys.ProcessCalls;
import dev.bpflux.testing.FaultInjectingSystemCalls;
import dev.bpflux.testing.KernelTest;
import dev.bpflux.testing.ResourceSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;

/**
 * Opening and reading a ring buffer stream (and likewise a perf buffer stream) (load of the producer object, its attach, the two mmaps,
 * the poll loop's epoll and eventfd, epoll_wait) with the N-th system call failed, N = 1, 2, ... until
 * a stream of {@value #RECORDS} records runs with no fault hit. Each time: the stream ends with an
 * error naming the failed call and its errno (EINTR: the stream runs normally), and every descriptor,
 * mapping and kernel object the stream made is gone afterwards.
 *
 * <p>Writes the outcome of every run to {@code target/fault-matrix-{ringbuf,perf}-<errno>.md}.
 */
@KernelTest
@Tag("host-only") // hundreds of loads: about a minute here, 10-20 times that in an emulated guest
class StreamFaultInjectionKernelTest {
    private static final Path PRODUCER = Path.of("src/test/bpf/ringbuf_producer.bpf.o");
    private static final Path PERF_PRODUCER = Path.of("src/test/bpf/perf_producer.bpf.o");
    private static final RecordDecoder<Long> SEQ = r -> r.getLongLE(r.readerIndex());
    private static final int RECORDS = 1000;
    private static final int MAX_CALLS = 2000;
    /**
     * How long the kernel may take to drop a map or BTF object after its last fd closed: a program's
     * maps are released only when the program is freed, after an RCU grace period and a work queue
     * (seen taking over 2 s on this loaded 2-CPU machine).
     */
    private static final long KERNEL_RELEASE_MILLIS = 15_000;

    /** One stream through a door: its error, or null when it delivered {@link #RECORDS} records. */
    private interface Stream {
        Throwable run(FaultInjectingSystemCalls door) throws InterruptedException;
    }

    @ParameterizedTest
    @ValueSource(strings = {"EINTR", "EAGAIN", "ENOMEM", "EPERM", "EEXIST"})
    void eachFailedCallOfARingBufferStreamIsNamedAndLeavesNothing(String errnoName) throws Exception {
        sweep("ringbuf", errnoName, StreamFaultInjectionKernelTest::ringBufferStream);
    }

    @ParameterizedTest
    @ValueSource(strings = {"EINTR", "EAGAIN", "ENOMEM", "EPERM", "EEXIST"})
    void eachFailedCallOfAPerfBufferStreamIsNamedAndLeavesNothing(String errnoName) throws Exception {
        sweep("perf", errnoName, StreamFaultInjectionKernelTest::perfBufferStream);
    }

    private static void sweep(String stream, String errnoName, Stream run) throws Exception {
        int errno = FaultInjectingSystemCalls.errno(errnoName);
        // The first stream opens what the process keeps (kernel BTF, probes of the real kernel).
        run.run(FaultInjectingSystemCalls.failing(Integer.MAX_VALUE, errno));
        List<String> problems = new ArrayList<>();
        List<String> matrix = new ArrayList<>();
        for (int n = 1; n <= MAX_CALLS; n++) {
            FaultInjectingSystemCalls door = FaultInjectingSystemCalls.failing(n, errno);
            ResourceSnapshot before = ResourceSnapshot.take(null);
            Throwable error = run.run(door);
            List<String> leaks = awaitNoLeaks(before);
            String call = door.failedCall();
            String where = stream + " #" + n + " " + call + " " + errnoName;
            leaks.forEach(l -> problems.add(where + ": left " + l));
            for (FaultInjectingSystemCalls.Created c : ResourceSnapshot.stillAlive(door.created(), KERNEL_RELEASE_MILLIS)) {
                problems.add(where + ": kernel still holds " + c);
            }
            if (call == null) {
                if (error != null) {
                    problems.add("stream without a fault hit failed: " + error);
                }
                matrix.add("| (none, " + (n - 1) + " calls) | | | " + RECORDS + " records |");
                break;
            }
            String outcome;
            if (error == null) {
                outcome = RECORDS + " records" + (errno == Errno.EINTR ? "" : " (absorbed)");
            } else {
                String text = FaultInjectingSystemCalls.messages(error);
                outcome = FaultInjectingSystemCalls.summary(error);
                if (errno == Errno.EINTR) {
                    problems.add(where + ": failed although EINTR is to be retried: " + text);
                } else if (!text.contains(errnoName)) {
                    problems.add(where + ": error does not name " + errnoName + ": " + text);
                } else if (!text.contains(door.failedCallToken())) {
                    problems.add(where + ": error does not name the call (" + door.failedCallToken() + "): " + text);
                }
            }
            matrix.add("| " + call + " | " + errnoName + " | stream | " + outcome + " |");
            if (n == MAX_CALLS) {
                problems.add("still hitting faults after " + MAX_CALLS + " calls");
            }
        }
        List<String> lines = new ArrayList<>(List.of("| call | errno | phase | outcome |", "|---|---|---|---|"));
        lines.addAll(matrix);
        Files.write(Path.of("target", "fault-matrix-" + stream + "-" + errnoName + ".md"), lines);
        assertEquals(List.of(), problems);
    }

    /** A ring buffer stream through {@code door}: load and attach on subscribe, read {@link #RECORDS}. */
    private static Throwable ringBufferStream(FaultInjectingSystemCalls door) throws InterruptedException {
        RingBufferReceiver receiver = RingBufferReceiver.create(() -> {
            BpfObject obj = BpfObject.load(PRODUCER, LoadOptions.defaults()
                    .withVariable("target_tgid", (int) ProcessHandle.current().pid())
                    .withMaxEntries("rb", 1 << 16)
                    .withSystemCalls(door));
            try {
                obj.program("produce").attach();
                return RingBufferSource.of(obj.map("rb"), obj);
            } catch (RuntimeException e) {
                obj.close();
                throw e;
            }
        }, RingBufferOptions.create().withName("fault-" + door));
        return await(receiver.receive(SEQ), door);
    }

    /** A perf buffer stream through {@code door} on an object loaded and attached through it. */
    private static Throwable perfBufferStream(FaultInjectingSystemCalls door) throws InterruptedException {
        BpfObject obj;
        try {
            obj = BpfObject.load(PERF_PRODUCER, LoadOptions.defaults()
                    .withVariable("target_tgid", (int) ProcessHandle.current().pid())
                    .withSystemCalls(door));
        } catch (RuntimeException e) {
            return e;
        }
        try (obj) {
            obj.program("produce").attach();
            return await(PerfEventArrayReceiver.create(obj.map("events"),
                    PerfBufferOptions.create().withName("fault-" + door)).receive(SEQ), door);
        } catch (RuntimeException e) {
            return e;
        }
    }

    /** Triggers the producer until {@code stream} gave {@link #RECORDS} records or ended; its error or null. */
    private static Throwable await(Flux<Long> stream, FaultInjectingSystemCalls door) throws InterruptedException {
        CompletableFuture<List<Long>> got = stream.take(RECORDS).collectList().toFuture();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!got.isDone() && System.nanoTime() < deadline) {
            ProcessCalls.getpgid(0);
            Thread.sleep(2);
        }
        try {
            List<Long> records = got.get(1, TimeUnit.SECONDS);
            return records.size() == RECORDS ? null : new AssertionError("got " + records.size() + " records");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (java.util.concurrent.TimeoutException e) {
            got.cancel(true);
            return new AssertionError("stream hung for 10 s (" + door.failedCall() + " failed)");
        }
    }

    /** The stream closes on its loop thread after the end: wait for it, up to 5 s. */
    private static List<String> awaitNoLeaks(ResourceSnapshot before) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            List<String> leaks = before.leaksIn(ResourceSnapshot.take(null));
            if (leaks.isEmpty() || System.nanoTime() > deadline) {
                return leaks;
            }
            Thread.sleep(20);
        }
    }




}
