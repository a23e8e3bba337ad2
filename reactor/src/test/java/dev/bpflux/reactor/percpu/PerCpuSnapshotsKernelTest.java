package dev.bpflux.reactor.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.bpflux.BpfException;
import dev.bpflux.map.BpfMap;
import dev.bpflux.reactor.testing.PerCpuCounterProgram;
import dev.bpflux.reactor.testing.RingBufferProducer;
import dev.bpflux.sys.ProcessCalls;
import dev.bpflux.testing.KernelTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

@KernelTest
class PerCpuSnapshotsKernelTest {

    private static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(v).array();
    }

    private static void snapshotsCountTriggers(PerCpuCounterProgram counters, BpfMap map, byte[] key) {
        StepVerifier.withVirtualTime(() -> PerCpuSnapshots.of(map, Duration.ofSeconds(1),
                        reactor.test.scheduler.VirtualTimeScheduler.get()))
                .assertNext(s -> {
                    assertEquals(0, s.sequence());
                    PerCpuSnapshot.Entry e = s.entry(key);
                    if (e != null) { // arrays always have the entry, hashes only once written
                        assertEquals(0, e.sum());
                    }
                })
                .then(() -> counters.trigger(1000))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(s -> {
                    PerCpuSnapshot.Entry e = s.entry(key);
                    assertNotNull(e);
                    assertEquals(1000, e.sum());
                    assertEquals(1000, e.delta());
                    assertEquals(1000, Arrays.stream(e.perCpu(0)).sum(), "values per CPU add up");
                    assertEquals(1000, Arrays.stream(e.perCpuDelta(0)).sum());
                })
                .then(() -> counters.trigger(234))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(s -> {
                    assertEquals(2, s.sequence());
                    assertEquals(1234, s.entry(key).sum());
                    assertEquals(234, s.entry(key).delta());
                })
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(s -> assertEquals(0, s.entry(key).delta()))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void arraySnapshotsSumAndDeltaTheTriggers() {
        try (PerCpuCounterProgram counters = PerCpuCounterProgram.create()) {
            snapshotsCountTriggers(counters, counters.array(), new byte[4]);
        }
    }

    @Test
    void hashSnapshotsThroughBatchLookup() {
        try (PerCpuCounterProgram counters = PerCpuCounterProgram.create()) {
            // the program keys by the calling thread's id; StepVerifier runs the then() hooks on this thread
            snapshotsCountTriggers(counters, counters.hash(), u64(ProcessCalls.gettid()));
        }
    }

    @Test
    void lruHashSnapshots() {
        try (PerCpuCounterProgram counters = PerCpuCounterProgram.create()) {
            snapshotsCountTriggers(counters, counters.lru(), u64(ProcessCalls.gettid()));
        }
    }

    @Test
    void readOnceSeesOnlyWrittenKeys() {
        try (PerCpuCounterProgram counters = PerCpuCounterProgram.create()) {
            assertNull(PerCpuSnapshots.readOnce(counters.hash()).entry(u64(ProcessCalls.gettid())));
            counters.trigger(7);
            PerCpuSnapshot s = PerCpuSnapshots.readOnce(counters.hash());
            assertEquals(1, s.entries().size());
            assertEquals(7, s.total(0));
            assertEquals(4, PerCpuSnapshots.readOnce(counters.array()).entries().size());
        }
    }

    @Test
    void refusesAMapThatIsNotPerCpu() {
        try (RingBufferProducer producer = RingBufferProducer.create(1 << 16, 1)) {
            BpfException e = assertThrows(BpfException.class,
                    () -> PerCpuSnapshots.of(producer.ring(), Duration.ofSeconds(1)));
            assertEquals(true, e.getMessage().contains("not a per-CPU map"), e.getMessage());
        }
    }
}
