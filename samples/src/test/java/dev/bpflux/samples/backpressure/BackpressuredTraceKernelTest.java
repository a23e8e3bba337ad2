package dev.bpflux.samples.backpressure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.samples.backpressure.BackpressuredTrace.Totals;
import dev.bpflux.testing.KernelTest;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The three strategies against the real producer: counts from the BPF program itself
 * ({@code produced}, {@code dropped} in .bss) against what Java read, received and dropped.
 */
@KernelTest
class BackpressuredTraceKernelTest {
    private static final int PREFETCH = 32;
    private static final int BUFFER = 1024;
    // 1 ms per event: the consumer takes at most ~1000/s, far below the producer on any kernel
    private static final Duration WORK = Duration.ofMillis(1);
    private static final Duration RUN = Duration.ofSeconds(2);

    private static Totals run(BackpressureStrategy strategy, List<String> lines) throws InterruptedException {
        Totals t = BackpressuredTrace.run(strategy, (int) ProcessHandle.current().pid(), RUN, WORK, PREFETCH, BUFFER, 1,
                lines::add);
        System.out.println(t.format()); // in the matrix logs: how far the producer outran the subscriber there
        return t;
    }

    @Test
    void ringStrategyCountsEveryOverflowInTheKernelAndHoldsOnlyThePrefetchInJava() throws Exception {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long heapBefore = memory.getHeapMemoryUsage().getUsed();
        List<String> lines = new ArrayList<>();

        Totals t = run(BackpressureStrategy.RING, lines);

        assertTrue(t.droppedInKernel() > 0, "the ring filled: " + t);
        assertTrue(t.read() > 0, "records were read: " + t);
        assertEquals(t.produced(), t.read() + t.droppedInKernel(), "received + dropped in kernel == produced: " + t);
        assertEquals(0, t.droppedInJava(), t.toString());
        assertEquals(t.read(), t.consumed(), "everything read reached the subscriber: " + t);
        // Java never asked the ring for more than the subscriber's prefetch: that is all it held
        assertTrue(t.maxOutstandingDemand() <= PREFETCH, "outstanding demand " + t.maxOutstandingDemand());
        // The kernel dropped more than the subscriber took. Not a ratio of rates: the producer's rate is CPU
        // speed (an emulated matrix guest is 10-50x slower), the subscriber's is WORK's wall clock, and read also
        // holds the ringful drained after the run; here the kernel drops ~300x what is read.
        assertTrue(t.droppedInKernel() > t.read(), "the producer outran the subscriber: " + t);
        System.gc();
        long grown = memory.getHeapMemoryUsage().getUsed() - heapBefore;
        // had Java kept every dropped record (32 bytes plus a boxed Long each), that would be
        // this much; it kept none of them
        assertTrue(grown < 16L << 20, "heap grew by " + grown + " bytes over " + t.produced() + " records");
        assertTrue(lines.size() >= 2 && lines.get(1).startsWith("ring"), String.join("\n", lines));
    }

    @Test
    void dropStrategyDrainsTheRingAndDropsInJava() throws Exception {
        Totals t = run(BackpressureStrategy.DROP, new ArrayList<>());

        assertTrue(t.droppedInJava() > 0, t.toString());
        assertEquals(t.produced(), t.read() + t.droppedInKernel(), t.toString());
        assertEquals(t.read(), t.consumed() + t.droppedInJava(), "read == received + dropped in Java: " + t);
    }

    @Test
    void bufferStrategyHoldsAtMostItsBoundThenDropsTheOldest() throws Exception {
        Totals t = run(BackpressureStrategy.BUFFER, new ArrayList<>());

        assertTrue(t.droppedInJava() > 0, t.toString());
        assertEquals(t.produced(), t.read() + t.droppedInKernel(), t.toString());
        assertEquals(t.read(), t.consumed() + t.droppedInJava(), "read == received + dropped in Java: " + t);
        // counted on the way in (before DROP_OLDEST removes the head) and out (after the drain
        // took one): a record in transit on each side at most
        assertTrue(t.maxBuffered() <= BUFFER + 2, "max buffered " + t.maxBuffered());
        assertTrue(t.maxBuffered() >= BUFFER, "the buffer filled: " + t);
    }
}
