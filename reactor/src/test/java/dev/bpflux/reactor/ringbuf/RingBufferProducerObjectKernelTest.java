package dev.bpflux.reactor.ringbuf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.load.BpfObject;
import dev.bpflux.load.LoadOptions;
import dev.bpflux.reactor.DropCounter;
import dev.bpflux.reactor.RecordDecoder;
import dev.bpflux.reactor.testing.ProcessResources;
import dev.bpflux.sys.ProcessCalls;
import dev.bpflux.testing.KernelTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/**
 * Ring buffer streams fed by the real producer object {@code src/test/bpf/ringbuf_producer.bpf.o},
 * loaded by bpflux's object loader.
 */
@KernelTest
class RingBufferProducerObjectKernelTest {
    private static final Path PRODUCER = Path.of("src/test/bpf/ringbuf_producer.bpf.o");
    private static final RecordDecoder<Long> SEQ = r -> r.getLongLE(r.readerIndex());
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private static BpfObject load(int ringBytes, int mode) {
        BpfObject obj = BpfObject.load(PRODUCER, LoadOptions.defaults()
                .withVariable("target_tgid", (int) ProcessHandle.current().pid())
                .withMaxEntries("rb", ringBytes));
        try {
            obj.global("mode").writeInt(mode);
            obj.program("produce").attach();
            return obj;
        } catch (RuntimeException e) {
            obj.close();
            throw e;
        }
    }

    private static void trigger(int times) {
        for (int i = 0; i < times; i++) {
            ProcessCalls.getpgid(0);
        }
    }

    @Test
    void theOnSubscribeHookLoadsTheObjectAndTheEndClosesIt() {
        // a first load may open descriptors the loader keeps for the process (kernel BTF, probes)
        load(1 << 16, 0).close();
        long fds = ProcessResources.openFds();
        AtomicReference<BpfObject> loaded = new AtomicReference<>();
        RingBufferReceiver receiver = RingBufferReceiver.create(() -> {
            BpfObject obj = load(1 << 20, 0);
            loaded.set(obj);
            return RingBufferSource.of(obj.map("rb"), obj);
        }, RingBufferOptions.create());
        List<Long> got = new ArrayList<>();
        StepVerifier.create(receiver.receive(SEQ))
                .then(() -> trigger(20))
                .recordWith(() -> got)
                .expectNextCount(20 * 500)
                .then(() -> {
                    assertEquals(20 * 500, loaded.get().global("produced").readLong());
                    assertEquals(0, loaded.get().global("dropped").readLong());
                })
                .thenCancel()
                .verify(TIMEOUT);
        for (int i = 0; i < got.size(); i++) {
            assertEquals(i, got.get(i));
        }
        assertEquals(fds, ProcessResources.awaitValue(ProcessResources::openFds, fds, Duration.ofSeconds(5)),
                "object, maps, program, link, epoll and eventfd all closed");
    }

    @Test
    void discardedRecordsAreSkipped() {
        try (BpfObject obj = load(1 << 20, 2)) {
            RingBufferReceiver receiver = RingBufferReceiver.create(obj.map("rb"), RingBufferOptions.create());
            StepVerifier.create(receiver.receive(SEQ).take(9 * 500))
                    .then(() -> trigger(10))
                    .thenConsumeWhile(seq -> seq % 10 != 9)
                    .expectComplete()
                    .verify(TIMEOUT);
            assertEquals(500, obj.global("discarded").readLong());
            assertEquals(4500, obj.global("produced").readLong());
        }
    }

    @Test
    void withoutDemandTheProducerDropsAndTheCounterShowsIt() {
        int ringBytes = 16384;
        try (BpfObject obj = load(ringBytes, 0)) {
            RingBufferReceiver receiver = RingBufferReceiver.create(obj.map("rb"), RingBufferOptions.create());
            DropCounter drops = DropCounter.ofArrayValue(obj.map(".bss"), obj.global("dropped").offset());
            List<Long> got = new ArrayList<>();
            StepVerifier.create(receiver.receive(SEQ), 0)
                    .then(() -> trigger(2)) // 1000 records offered, 682 fit
                    .expectNoEvent(Duration.ofMillis(100))
                    .then(() -> {
                        assertEquals(ringBytes / 24, obj.global("produced").readLong());
                        assertEquals(1000 - ringBytes / 24, drops.read());
                    })
                    .thenRequest(5)
                    .recordWith(() -> got)
                    .expectNextCount(5)
                    .expectNoEvent(Duration.ofMillis(100))
                    .thenCancel()
                    .verifyThenAssertThat(TIMEOUT)
                    .hasNotDroppedElements();
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L), got);
            assertTrue(obj.global("produced").readLong() > 0);
        }
    }
}
