package dev.bpflux.samples;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bpflux.load.BpfObject;
import dev.bpflux.load.LoadOptions;
import dev.bpflux.reactor.ringbuf.RingBufferOptions;
import dev.bpflux.reactor.ringbuf.RingBufferReceiver;
import dev.bpflux.reactor.ringbuf.RingBufferSource;
import dev.bpflux.testing.KernelTest;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/** The README's Java example, verbatim but for the object's path and a trigger: it must keep working. */
@KernelTest
class ReadmeExampleTest {
    record Open(int pid, String comm) {}

    @Test
    void readmeExampleSeesAnOpenatOfAChildProcess() throws Exception {
        Flux<Open> opens = RingBufferReceiver.create(() -> {
                    // Runs on subscribe; the object is closed on cancel, error or complete.
                    BpfObject object = BpfObject.load(Path.of("src/main/resources/bpf/syscall_trace.bpf.o"),
                            LoadOptions.defaults().withVariable("exclude_pid", (int) ProcessHandle.current().pid()));
                    object.program("trace_openat").attach();          // SEC("tp/syscalls/sys_enter_openat")
                    return RingBufferSource.of(object.map("events"), object);
                }, RingBufferOptions.create())
                .receive(r -> new Open(r.getIntLE(r.readerIndex() + 8),   // read in place, no copy
                        r.toString(r.readerIndex() + 72, 16, US_ASCII).replace("\0", "")));

        // Start a child that opens a file repeatedly once the stream is subscribed (attach happens then).
        Flux<Open> fromChild = opens.doOnSubscribe(s -> Schedulers.boundedElastic().schedule(() -> {
            try {
                for (int i = 0; i < 20; i++) {
                    new ProcessBuilder("cat", "/proc/self/status").redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
                    Thread.sleep(100);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        })).filter(o -> o.comm().equals("cat"));

        // A bound, not a wait: counts the load, slow in an emulated matrix guest, and the child's first cat.
        Open first = fromChild.blockFirst(Duration.ofSeconds(90));
        assertEquals("cat", first.comm());
    }
}
