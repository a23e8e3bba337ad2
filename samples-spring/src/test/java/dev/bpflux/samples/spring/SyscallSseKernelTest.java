package dev.bpflux.samples.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.testing.KernelTest;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.Disposable;

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

    private ConfigurableApplicationContext app;
    private WebClient client;

    @BeforeEach
    void start() {
        app = new SpringApplicationBuilder(SyscallSseApplication.class)
                .properties("server.port=0", "bpflux.sse.grace=" + GRACE.toMillis() + "ms",
                        "spring.main.banner-mode=off")
                .run();
        int port = ((WebServerApplicationContext) app).getWebServer().getPort();
        client = WebClient.create("http://127.0.0.1:" + port);
    }

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
    }

    @Test
    void twoClientsShareOneObjectWhichClosesAfterBothLeft() throws Exception {
        long progFdsBefore = bpfFds("bpf-prog");
        assertEquals(0, stats().objectLoads(), "nothing is loaded before the first client");
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
            assertEquals(1, both.objectLoads(), "two clients, one loaded object: " + both);
            assertEquals(0, both.objectCloses(), both.toString());
            assertEquals(2, both.clients(), both.toString());
            assertTrue(both.received() >= both.sent() / 2, both.toString());
            // syscall_trace.bpf.o has 6 programs, all attached (trace-other is on), each one fd
            assertEquals(6, bpfFds("bpf-prog") - progFdsBefore, "program fds of the one loaded object");
        } finally {
            a.dispose();
            b.dispose();
            Files.deleteIfExists(file);
        }
        await(Duration.ofSeconds(20), () -> stats().objectCloses() == 1, "the object is closed after the grace period");
        SyscallSseController.Stats after = stats();
        assertEquals(1, after.objectLoads(), after.toString());
        assertEquals(0, after.clients(), after.toString());
        assertEquals(progFdsBefore, bpfFds("bpf-prog"), "no program fd left open");
    }

    private Disposable subscribe(String uri, Queue<Map<String, Object>> into) {
        return client.get().uri(uri).accept(MediaType.TEXT_EVENT_STREAM).retrieve().bodyToFlux(EVENT)
                .filter(sse -> "syscall".equals(sse.event()) && sse.data() != null)
                .subscribe(sse -> into.add(sse.data()));
    }

    private SyscallSseController.Stats stats() {
        return client.get().uri("/syscalls/stats").retrieve().bodyToMono(SyscallSseController.Stats.class)
                .block(Duration.ofSeconds(10));
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
