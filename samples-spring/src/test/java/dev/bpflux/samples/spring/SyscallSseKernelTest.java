package dev.bpflux.samples.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.testing.KernelTest;
import io.netty.channel.ChannelOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.embedded.netty.NettyServerCustomizer;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;

/**
 * The SSE service on a random port with real HTTP clients over loopback: two clients share one
 * loaded BPF object, both see the openat of a file this test has a child process open, and the
 * object is closed (its programs' fds gone from this process) once both disconnected.
 */
@KernelTest
class SyscallSseKernelTest {
    private static final ParameterizedTypeReference<ServerSentEvent<Map<String, Object>>> EVENT =
            new ParameterizedTypeReference<>() {
            };
    private static final Duration GRACE = Duration.ofMillis(300);
    private static final int CLIENT_BUFFER = 256;

    // one application for the class: it starts in about 3 s here, 35 s in an emulated guest
    private static ConfigurableApplicationContext app;
    private static WebClient client;
    private static String baseUrl;

    @BeforeAll
    static void start() {
        app = new SpringApplicationBuilder(SyscallSseApplication.class)
                .properties("server.port=0", "bpflux.sse.grace=" + GRACE.toMillis() + "ms",
                        "bpflux.sse.client-buffer=" + CLIENT_BUFFER, "spring.main.banner-mode=off")
                // A small send buffer, so a stalled client's per-client buffer starts filling after
                // a few hundred events rather than thousands.
                .initializers(ctx -> ((GenericApplicationContext) ctx).registerBean(NettyServerCustomizer.class,
                        () -> server -> server.childOption(ChannelOption.SO_SNDBUF, 8192)))
                .run();
        int port = ((WebServerApplicationContext) app).getWebServer().getPort();
        baseUrl = "http://127.0.0.1:" + port;
        client = WebClient.create(baseUrl);
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    @Test
    void twoClientsShareOneObjectWhichClosesAfterBothLeft() throws Exception {
        SyscallSseController.Stats before = idle();
        long progFdsBefore = bpfFds("bpf-prog");
        Path file = Files.createTempFile("bpflux-sse", ".txt");
        Queue<Map<String, Object>> first = new ConcurrentLinkedQueue<>();
        Queue<Map<String, Object>> second = new ConcurrentLinkedQueue<>();
        Disposable a = subscribe("/syscalls?syscall=openat&comm=cat", first);
        Disposable b = subscribe("/syscalls?syscall=openat&comm=cat", second);
        try {
            // The object is loaded and attached when the first request arrives; until both
            // clients are subscribed an openat may be missed, so cat opens the file again.
            await(Duration.ofSeconds(60), () -> {
                run("cat", file.toString());
                return opened(first, file) && opened(second, file);
            }, "both clients receive the openat of " + file);

            Map<String, Object> e = first.stream().filter(m -> file.toString().equals(m.get("detail")))
                    .findFirst().orElseThrow();
            assertEquals("openat", e.get("syscall"));
            assertEquals(257, e.get("syscallNr"));
            assertEquals("cat", e.get("comm"));
            assertEquals(6, ((List<?>) e.get("args")).size());
            for (Map<String, Object> m : List.copyOf(first)) {
                assertEquals("openat", m.get("syscall"), "the server filters: " + m);
                assertEquals("cat", m.get("comm"), "the server filters: " + m);
            }

            SyscallSseController.Stats both = stats();
            assertEquals(before.objectLoads() + 1, both.objectLoads(), "two clients, one loaded object: " + both);
            assertEquals(before.objectCloses(), both.objectCloses(), both.toString());
            assertEquals(2, both.clients(), both.toString());
            assertTrue(both.received() >= both.sent() / 2, both.toString());
            // syscall_trace.bpf.o has 6 programs, all attached (trace-other is on), each one fd
            assertEquals(6, bpfFds("bpf-prog") - progFdsBefore, "program fds of the one loaded object");
        } finally {
            a.dispose();
            b.dispose();
            Files.deleteIfExists(file);
        }
        await(Duration.ofSeconds(20), () -> stats().objectCloses() == before.objectCloses() + 1,
                "the object is closed after the grace period");
        SyscallSseController.Stats after = stats();
        assertEquals(before.objectLoads() + 1, after.objectLoads(), after.toString());
        assertEquals(0, after.clients(), after.toString());
        assertEquals(progFdsBefore, bpfFds("bpf-prog"), "no program fd left open");
    }

    @Test
    void aStalledClientDropsItsOwnEventsAndStallsNeitherTheStreamNorOtherClients() throws Exception {
        SyscallSseController.Stats before = idle();
        Path file = Files.createTempFile("bpflux-sse", ".txt");
        // The stalled client reads one event and then nothing: Reactor Netty stops reading, its
        // receive buffer (the default 128 KiB: a tiny one leaves window updates to TCP's persist
        // timer, which backs off to many seconds) fills and the TCP window closes.
        WebClient stalledClient = WebClient.create(baseUrl);
        Queue<ServerSentEvent<Map<String, Object>>> stalledEvents = new ConcurrentLinkedQueue<>();
        BaseSubscriber<ServerSentEvent<Map<String, Object>>> stalled = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription subscription) {
                subscription.request(1);
            }

            @Override
            protected void hookOnNext(ServerSentEvent<Map<String, Object>> value) {
                stalledEvents.add(value);
            }
        };
        stalledClient.get().uri("/syscalls").accept(MediaType.TEXT_EVENT_STREAM).retrieve().bodyToFlux(EVENT)
                .subscribe(stalled);
        Queue<Map<String, Object>> fast = new ConcurrentLinkedQueue<>();
        Disposable fastClient = subscribe("/syscalls?syscall=openat&comm=cat", fast);
        try {
            // dd makes two syscalls a block: events for the stalled client, which takes none
            long started = System.nanoTime();
            int[] rounds = {0};
            await(Duration.ofSeconds(90), () -> {
                rounds[0]++;
                run("dd", "if=/dev/zero", "of=/dev/null", "bs=64", "count=3000");
                run("cat", file.toString());
                return opened(fast, file) && stats().droppedForClients() > before.droppedForClients();
            }, "the fast client gets the openat of " + file + " while the stalled one drops");
            SyscallSseController.Stats during = stats();
            System.out.printf("stalled client: drops after %d dd rounds, %d ms: %s%n", rounds[0],
                    (System.nanoTime() - started) / 1_000_000, during);
            assertEquals(2, during.clients(), during.toString());
            assertEquals(before.objectLoads() + 1, during.objectLoads(), during.toString());
            assertEquals(1, stalledEvents.size(), "the stalled client took one event");

            // the stalled client reads again: past what was queued for it, it learns its drop count
            long resumed = System.nanoTime();
            stalled.request(Long.MAX_VALUE);
            await(Duration.ofSeconds(60), () -> stalledEvents.stream().anyMatch(e -> "dropped".equals(e.event())),
                    "a dropped event reaches the client that lost events");
            System.out.printf("stalled client: dropped event %d ms after it read again, %d events read%n",
                    (System.nanoTime() - resumed) / 1_000_000, stalledEvents.size());
            ServerSentEvent<Map<String, Object>> dropped = stalledEvents.stream()
                    .filter(e -> "dropped".equals(e.event())).findFirst().orElseThrow();
            long count = ((Number) dropped.data().get("dropped")).longValue();
            // the stalled client now reads everything at full speed: let it go before asking for
            // the stats, which an emulated guest then serves only slowly
            stalled.dispose();
            SyscallSseController.Stats after = stats();
            assertTrue(count > 0 && count <= after.droppedForClients() - before.droppedForClients(),
                    "dropped " + count + ", " + after);
        } finally {
            stalled.dispose();
            fastClient.dispose();
            Files.deleteIfExists(file);
        }
        await(Duration.ofSeconds(20), () -> stats().objectCloses() == before.objectCloses() + 1,
                "the object is closed after both left");
    }

    /** The stats once no object is loaded (the other test's may still be in its grace period). */
    private static SyscallSseController.Stats idle() throws InterruptedException {
        await(Duration.ofSeconds(20), () -> {
            SyscallSseController.Stats s = stats();
            return s.clients() == 0 && s.objectLoads() == s.objectCloses();
        }, "no client and no loaded object");
        return stats();
    }

    private static Disposable subscribe(String uri, Queue<Map<String, Object>> into) {
        return client.get().uri(uri).accept(MediaType.TEXT_EVENT_STREAM).retrieve().bodyToFlux(EVENT)
                .filter(sse -> "syscall".equals(sse.event()) && sse.data() != null)
                .subscribe(sse -> into.add(sse.data()));
    }

    private static SyscallSseController.Stats stats() {
        return client.get().uri("/syscalls/stats").retrieve().bodyToMono(SyscallSseController.Stats.class)
                .block(Duration.ofSeconds(30));
    }

    private static boolean opened(Queue<Map<String, Object>> events, Path file) {
        return events.stream().anyMatch(m -> file.toString().equals(m.get("detail")));
    }

    static void run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.waitFor();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void await(Duration timeout, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + ": " + what);
            }
            Thread.sleep(200);
        }
    }

    /** This process's fds of one kind of BPF object ("bpf-prog", "bpf-map", "bpf_link"), from /proc. */
    static long bpfFds(String kind) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().equals("anon_inode:" + kind);
                } catch (IOException e) {
                    return false; // the fd was closed meanwhile (e.g. the directory stream's own)
                }
            }).count();
        }
    }
}
