package dev.bpflux.samples.spring;

import dev.bpflux.reactor.metrics.MicrometerStreamMetrics;
import dev.bpflux.reactor.ringbuf.RingBufferOptions;
import dev.bpflux.samples.trace.SyscallEvent;
import dev.bpflux.samples.trace.TraceSyscalls;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * One kernel-side syscall stream for all HTTP clients. {@code publish().refCount(1, grace)}: the
 * first subscriber loads and attaches {@code syscall_trace.bpf.o}, later ones join the same
 * stream, and {@code grace} after the last one left the stream is cancelled, which detaches and
 * closes the object. A client that comes back within the grace period keeps the object loaded.
 *
 * <p>{@code publish} emits at the pace of its slowest subscriber, so every subscriber must
 * request without bound: {@link SyscallSseController} puts a bounded, dropping buffer first.
 */
@Component
public class SharedSyscallStream {
    /** The ring buffer stream's name, the {@code name} tag of its {@code bpflux.stream.*} meters. */
    public static final String NAME = "syscalls";

    private final AtomicLong loads = new AtomicLong();
    private final AtomicLong closes = new AtomicLong();
    private final Counter received;
    private final Counter droppedInKernel;
    private final Flux<SyscallEvent> shared;

    public SharedSyscallStream(MeterRegistry registry,
            @Value("${bpflux.sse.grace:2s}") Duration grace,
            @Value("${bpflux.sse.trace-other:true}") boolean traceOther) {
        RingBufferOptions options = RingBufferOptions.create().withName(NAME)
                .withMetrics(MicrometerStreamMetrics.of(registry, NAME));
        received = registry.get("bpflux.stream.received").tag("name", NAME).counter();
        droppedInKernel = registry.get("bpflux.stream.dropped").tag("name", NAME).counter();
        // The server's own pid is excluded: its socket writes would otherwise feed back as events.
        int self = (int) ProcessHandle.current().pid();
        shared = Flux.defer(() -> {
                    loads.incrementAndGet();
                    return TraceSyscalls.events(0, self, traceOther, options);
                })
                // Loading and attaching the object takes milliseconds to seconds: never on the
                // event loop of the request that happened to subscribe first.
                .subscribeOn(Schedulers.boundedElastic())
                // after the cancel returned, i.e. after the ring was unmapped and the object closed
                .doFinally(signal -> closes.incrementAndGet())
                .publish()
                .refCount(1, grace);
    }

    /** The shared events; subscribe with unbounded demand (see the class comment). */
    public Flux<SyscallEvent> events() {
        return shared;
    }

    /** How many times the BPF object was loaded (once per period with at least one client). */
    public long loads() {
        return loads.get();
    }

    /** How many times it was closed; {@code loads() - closes()} is 1 while it is loaded, else 0. */
    public long closes() {
        return closes.get();
    }

    /** Events read from the ring buffer since start, over all loads. */
    public long received() {
        return (long) received.count();
    }

    /**
     * Events the program could not write because the ring was full (its {@code dropped} counter,
     * read once a second), since start.
     */
    public long droppedInKernel() {
        return (long) droppedInKernel.count();
    }
}
