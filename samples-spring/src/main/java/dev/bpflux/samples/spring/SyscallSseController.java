package dev.bpflux.samples.spring;

import dev.bpflux.samples.trace.SyscallEvent;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.server.HttpServerRequest;

/**
 * {@code GET /syscalls}: the shared syscall stream as server-sent events, {@code event: syscall}
 * with a {@link SyscallJson}, filtered by the optional query parameters {@code pid} (tgid),
 * {@code syscall} (name such as {@code openat}, or number) and {@code comm}.
 *
 * <p>Each client reads through its own buffer of {@code bpflux.sse.client-buffer} events (plus
 * 32 on their way to the encoder, plus what Netty and the socket hold). While
 * the client (its TCP window, then Netty's outbound buffer) cannot take more, the buffer fills;
 * when full its oldest event is dropped and counted. The shared stream never waits for a client,
 * so a slow browser stalls neither the kernel ring nor the other clients. At most once a second,
 * when that count grew, the client gets {@code event: dropped} with {@code {"dropped": total}}
 * ({@link ClientDrops}).
 *
 * <p>A client's subscription ends when its connection closes ({@link #connectionClosed}), not only
 * when the write path cancels it: a connection closed while its response headers were being
 * written never gets that cancel (see there), and kept the kernel stream read for nobody.
 *
 * <p>{@code GET /syscalls/stats}: the object's loads and closes, clients connected, events read
 * from the ring, events the full ring refused (counted by the program), events sent, events
 * dropped for slow clients.
 */
@RestController
public class SyscallSseController {
    private final SharedSyscallStream stream;
    private final int clientBuffer;
    private final AtomicInteger clients = new AtomicInteger();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong droppedForClients = new AtomicLong();

    public SyscallSseController(SharedSyscallStream stream,
            @Value("${bpflux.sse.client-buffer:1024}") int clientBuffer) {
        if (clientBuffer < 1) {
            throw new IllegalArgumentException("bpflux.sse.client-buffer must be at least 1, was " + clientBuffer);
        }
        this.stream = stream;
        this.clientBuffer = clientBuffer;
    }

    /** The JSON of {@code /syscalls/stats}. */
    public record Stats(long objectLoads, long objectCloses, int clients, long received, long droppedInKernel,
            long sent, long droppedForClients) {
    }

    @GetMapping(path = "/syscalls", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    public Flux<ServerSentEvent<Object>> syscalls(@RequestParam(name = "pid", required = false) Integer pid,
            @RequestParam(name = "syscall", required = false) String syscall,
            @RequestParam(name = "comm", required = false) String comm, ServerHttpRequest request) {
        Predicate<SyscallEvent> filter = filter(pid, syscall, comm);
        Mono<Void> closed = connectionClosed(request);
        return Flux.defer(() -> {
            ClientDrops drops = new ClientDrops();
            Flux<ServerSentEvent<Object>> events = stream.events()
                    .filter(filter)
                    // unbounded demand upstream, at most clientBuffer events held for this client
                    .onBackpressureBuffer(clientBuffer, e -> {
                        drops.increment();
                        droppedForClients.incrementAndGet();
                    }, BufferOverflowStrategy.DROP_OLDEST)
                    // JSON encoding off the ring's reader thread, which only filters and enqueues:
                    // N clients' encoding does not slow the reading of the ring (32 more in flight)
                    .publishOn(Schedulers.parallel(), 32)
                    .concatMapIterable(e -> drops.withReport(
                            ServerSentEvent.<Object>builder(SyscallJson.of(e)).event("syscall").build()))
                    .doOnNext(e -> sent.incrementAndGet());
            // the report also when no event follows the drops
            Flux<ServerSentEvent<Object>> quietReports = Flux.interval(Duration.ofSeconds(1))
                    .onBackpressureDrop()
                    .mapNotNull(tick -> drops.due());
            return Flux.merge(events, quietReports)
                    // ends with the connection also when the response failed before taking events
                    .takeUntilOther(closed)
                    .doOnSubscribe(s -> clients.incrementAndGet())
                    .doFinally(s -> clients.decrementAndGet());
        });
    }

    @GetMapping("/syscalls/stats")
    public Stats stats() {
        return new Stats(stream.loads(), stream.closes(), clients.get(), stream.received(),
                stream.droppedInKernel(), sent.get(), droppedForClients.get());
    }

    /**
     * Completes when the request's connection closes. Spring's response writer subscribes to the
     * event stream and waits for its first event before it writes the headers. If the connection is
     * gone by then (a client that sent its request and closed or reset at once), Reactor Netty
     * fails the write of the headers, or refuses to start it, without subscribing to the events;
     * Spring ends the exchange with that error (at DEBUG: "Looks like the client has gone away")
     * and nothing cancels the event stream it still holds (spring-web 6.2's
     * {@code ChannelSendOperator} cancels its source on a cancel from downstream, not when the write
     * fails before its write subscriber came). Only Reactor Netty's requests carry their
     * connection; on another server this never completes.
     */
    static Mono<Void> connectionClosed(ServerHttpRequest request) {
        Object nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
        if (!(nativeRequest instanceof HttpServerRequest nettyRequest)) {
            return Mono.never();
        }
        AtomicReference<Mono<Void>> closed = new AtomicReference<>(Mono.never());
        nettyRequest.withConnection(connection -> closed.set(connection.onDispose()));
        return closed.get();
    }

    static Predicate<SyscallEvent> filter(Integer pid, String syscall, String comm) {
        Predicate<SyscallEvent> p = e -> true;
        if (pid != null) {
            p = p.and(e -> e.pid() == pid);
        }
        if (syscall != null && !syscall.isBlank()) {
            String s = syscall.trim();
            p = p.and(e -> s.equals(e.syscallName()) || s.equals(Integer.toString(e.syscall())));
        }
        if (comm != null && !comm.isBlank()) {
            p = p.and(e -> comm.equals(e.comm()));
        }
        return p;
    }
}
