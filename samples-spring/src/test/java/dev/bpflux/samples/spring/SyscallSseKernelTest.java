package dev.bpflux.samples.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bpflux.testing.KernelTest;
import io.netty.channel.ChannelOption;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
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
 * object is closed (its programs' fds gone from this process) once both disconnected; a stalled
 * client loses only its own events; under 220 fast, stalled and abrupt clients every subscription
 * ends with its connection and the programs leave the kernel; the server listens on loopback only.
 */
@KernelTest
class SyscallSseKernelTest {
    private static final ParameterizedTypeReference<ServerSentEvent<Map<String, Object>>> EVENT =
            new ParameterizedTypeReference<>() {
            };
    private static final Duration GRACE = Duration.ofMillis(300);
    private static final int CLIENT_BUFFER = 256;
    /** The kernel matrix's emulated guests run 10-50x slower: a quarter of the clients, five times the bounds. */
    private static final boolean GUEST = System.getenv("BPFLUX_KERNEL_MATRIX") != null;
    private static final int CLIENTS_DIVISOR = GUEST ? 4 : 1;
    private static final int SLOWER = GUEST ? 5 : 1;

    // one application for the class: it starts in about 3 s here, 35 s in an emulated guest
    private static ConfigurableApplicationContext app;
    private static WebClient client;
    private static int port;
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
        port = ((WebServerApplicationContext) app).getWebServer().getPort();
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

    /**
     * Issue 10, finding 1: clients that reset or close right after their request (while Spring
     * waits for the first event to write the headers) kept their subscriptions, and with them the
     * loaded object and the reading of the ring, after their connections were gone. The end state
     * is checked in the kernel: the programs this server had loaded are no longer in the kernel's
     * program list (BPF_PROG_GET_NEXT_ID, through bpftool), and the ring is no longer read.
     */
    @Test
    @Tag("host-only") // hundreds of clients on Netty: a test of the server, run on the host, not in the TCG guests
    void subscriptionsEndWithTheirConnectionsUnderLoad() throws Exception {
        SyscallSseController.Stats before = idle();
        long progFdsBefore = bpfFds("bpf-prog");
        long started = System.nanoTime();
        Process syscalls = syscallLoad();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        Queue<Socket> stalled = new ConcurrentLinkedQueue<>();
        AtomicLong fastBytes = new AtomicLong();
        AtomicLong fastServed = new AtomicLong();
        try {
            List<Future<?>> clients = new ArrayList<>();
            // the stalled ones first: they keep the object loaded through the rest
            for (int i = 0; i < 20 / CLIENTS_DIVISOR; i++) {
                clients.add(pool.submit(() -> stalled.add(stalledClient())));
            }
            for (int i = 0; i < 200 / CLIENTS_DIVISOR; i++) {
                int kind = i % 4;
                clients.add(pool.submit(() -> {
                    switch (kind) {
                        case 0, 1 -> {
                            long read = fastClient();
                            fastBytes.addAndGet(read);
                            fastServed.addAndGet(read > 0 ? 1 : 0);
                        }
                        case 2 -> abruptClient(false);
                        default -> abruptClient(true);
                    }
                    return null;
                }));
            }
            for (Future<?> c : clients) {
                c.get(30L * SLOWER, TimeUnit.SECONDS);
            }
            long loadMillis = (System.nanoTime() - started) / 1_000_000;
            Set<Integer> loaded = programIdsOfThisProcess();
            // the server may be too busy to answer here (see fastClient): a figure, not a condition
            String during = statsWithin(Duration.ofSeconds(5));
            assertEquals(6, loaded.size(), "the sample's six programs are loaded while the stalled clients are connected: "
                    + loaded + ", " + during);
            for (Socket s : stalled) {
                reset(s);
            }
            long reset = System.nanoTime();
            await(Duration.ofSeconds(20L * SLOWER), () -> kernelProgramIds().stream().noneMatch(loaded::contains),
                    () -> "the programs " + loaded + " leave the kernel once every client is gone; still there: "
                            + kernelProgramIds().stream().filter(loaded::contains).toList() + ", " + stats());
            long goneMillis = (System.nanoTime() - reset) / 1_000_000;
            SyscallSseController.Stats after = stats();
            Thread.sleep(1000); // syscalls go on: a ring still read would show in received
            SyscallSseController.Stats later = stats();
            System.out.printf("load: %d stalled clients (reset after the rest), %d fast (%d served, %d KiB read), %d"
                    + " reset and %d closed right after their request, in %d ms; during: %s; programs %s gone from"
                    + " the kernel %d ms after the last reset; after: %s; 1 s later received %d; %d ms in all%n",
                    20 / CLIENTS_DIVISOR, 100 / CLIENTS_DIVISOR, fastServed.get(), fastBytes.get() / 1024,
                    50 / CLIENTS_DIVISOR, 50 / CLIENTS_DIVISOR, loadMillis, during, loaded, goneMillis, after,
                    later.received(), (System.nanoTime() - started) / 1_000_000);
            assertEquals(0, after.clients(), after.toString());
            assertEquals(after.objectLoads(), after.objectCloses(), after.toString());
            assertEquals(progFdsBefore, bpfFds("bpf-prog"), "no program fd left open");
            assertEquals(after.received(), later.received(), "the ring is not read once the object is closed");
        } finally {
            pool.shutdownNow();
            stalled.forEach(SyscallSseKernelTest::reset);
            syscalls.descendants().forEach(ProcessHandle::destroy);
            syscalls.destroy();
        }
    }

    /**
     * A client whose filter matches nothing gets no event, so its response headers are never
     * written; it resets its connection. Its subscription must end, and with it the object and its
     * programs. (Netty sees this reset by itself: this passes without the {@code connectionClosed}
     * fix too. The leak that fix closes needs the reset to land while the headers are being written,
     * a race only the load test above meets.)
     */
    @Test
    void aQuietClientThatResetsEndsItsSubscription() throws Exception {
        SyscallSseController.Stats before = idle();
        Socket quiet = new Socket("127.0.0.1", port);
        Set<Integer> loaded;
        try {
            quiet.getOutputStream().write(request("/syscalls?comm=no-such-command"));
            await(Duration.ofSeconds(60L * SLOWER), () -> stats().clients() == 1
                    && stats().objectLoads() == before.objectLoads() + 1, "the quiet client is subscribed");
            await(Duration.ofSeconds(20L * SLOWER), () -> {
                try {
                    return programIdsOfThisProcess().size() == 6;
                } catch (IOException e) {
                    return false;
                }
            }, "the object's six programs are loaded");
            loaded = programIdsOfThisProcess();
        } finally {
            reset(quiet);
        }
        await(Duration.ofSeconds(20L * SLOWER), () -> stats().clients() == 0
                        && stats().objectCloses() == before.objectCloses() + 1,
                () -> "the reset client's subscription ends and the object closes: " + stats());
        await(Duration.ofSeconds(20L * SLOWER), () -> kernelProgramIds().stream().noneMatch(loaded::contains),
                () -> "the programs " + loaded + " leave the kernel");
    }

    /** Issue 10, finding 2: the stream shows every process's syscalls, so by default only loopback. */
    @Test
    void listensOnLoopbackOnlyByDefault() throws IOException {
        assertEquals(List.of("127.0.0.1"), listeningAddresses(port),
                "the addresses of the listening sockets on port " + port + " (/proc/net/tcp, tcp6)");
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

    private static final byte[] REQUEST = request("/syscalls");

    private static byte[] request(String uri) {
        return ("GET " + uri + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Reads up to 16 KiB of the events of {@code dd} (at most 2 s), then closes; the bytes read. On a
     * busy 2-CPU host the server, which encodes every client's events on Netty's event loops (also
     * the stalled clients' until their send buffers fill), may serve none of them in that time.
     */
    private static long fastClient() throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(500);
            s.getOutputStream().write(request("/syscalls?comm=dd"));
            InputStream in = s.getInputStream();
            byte[] buffer = new byte[4096];
            long read = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (read < 16 * 1024 && System.nanoTime() < deadline) {
                try {
                    int n = in.read(buffer);
                    if (n < 0) {
                        break;
                    }
                    read += n;
                } catch (SocketTimeoutException quiet) {
                    // no event yet: try again until the deadline
                }
            }
            return read;
        }
    }

    /** Sends its request and never reads: its small receive window closes at once. */
    private static Socket stalledClient() throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        s.connect(new InetSocketAddress("127.0.0.1", port));
        s.getOutputStream().write(REQUEST);
        return s;
    }

    /** Sends its request and goes at once, with a reset (SO_LINGER 0) or a FIN. */
    private static void abruptClient(boolean withReset) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        OutputStream out = s.getOutputStream();
        out.write(REQUEST);
        if (withReset) {
            reset(s);
        } else {
            s.close();
        }
    }

    private static void reset(Socket s) {
        if (s.isClosed()) {
            return;
        }
        try {
            s.setSoLinger(true, 0);
            s.close();
        } catch (IOException e) {
            throw new IllegalStateException("cannot reset " + s, e);
        }
    }

    /** A child process making syscalls for the server to stream (its own pid is excluded), ~30 s at most. */
    private static Process syscallLoad() throws IOException {
        return new ProcessBuilder("sh", "-c", "for i in $(seq 600); do dd if=/dev/zero of=/dev/null bs=64 count=200;"
                + " sleep 0.05; done").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** The kernel's ids of the programs this process holds fds of ({@code prog_id} in /proc/self/fdinfo). */
    static Set<Integer> programIdsOfThisProcess() throws IOException {
        Set<Integer> ids = new TreeSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    if (!Files.readSymbolicLink(fd).toString().equals("anon_inode:bpf-prog")) {
                        continue;
                    }
                    for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo").resolve(fd.getFileName()))) {
                        if (line.startsWith("prog_id:")) {
                            ids.add(Integer.parseInt(line.substring("prog_id:".length()).trim()));
                        }
                    }
                } catch (IOException closedMeanwhile) {
                    // not a program of ours any more
                }
            }
        }
        return ids;
    }

    /** Every program id the kernel has (bpftool walks BPF_PROG_GET_NEXT_ID): not bpflux's own account. */
    static Set<Integer> kernelProgramIds() {
        try {
            Process p = new ProcessBuilder("bpftool", "-j", "prog", "show").redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("bpftool -j prog show failed: " + new String(out, StandardCharsets.UTF_8));
            }
            Set<Integer> ids = new TreeSet<>();
            for (JsonNode program : new ObjectMapper().readTree(out)) {
                ids.add(program.get("id").asInt());
            }
            return ids;
        } catch (IOException e) {
            throw new IllegalStateException("bpftool (the oracle of the kernel's program ids) cannot be run", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The local addresses of the TCP sockets listening on {@code port}, from the kernel's tables. */
    static List<String> listeningAddresses(int port) throws IOException {
        List<String> addresses = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines = Files.readAllLines(Path.of(table));
            for (String line : lines.subList(1, lines.size())) {
                // sl local_address rem_address st ...: local as HEXADDR:HEXPORT, st 0A is LISTEN
                String[] fields = line.trim().split("\\s+");
                String[] local = fields[1].split(":");
                if (!fields[3].equals("0A") || Integer.parseInt(local[1], 16) != port) {
                    continue;
                }
                // the address is in 32-bit words in host (little-endian) order
                byte[] raw = HexFormat.of().parseHex(local[0]);
                byte[] address = new byte[raw.length];
                for (int i = 0; i < raw.length; i++) {
                    address[i] = raw[i - i % 4 + 3 - i % 4];
                }
                addresses.add(InetAddress.getByAddress(address).getHostAddress());
            }
        }
        return addresses;
    }

    private static String statsWithin(Duration timeout) {
        try {
            return client.get().uri("/syscalls/stats").retrieve().bodyToMono(SyscallSseController.Stats.class)
                    .block(timeout).toString();
        } catch (IllegalStateException timedOut) {
            return "stats not served within " + timeout;
        }
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
        await(timeout, condition, () -> what);
    }

    static void await(Duration timeout, BooleanSupplier condition, Supplier<String> what)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + ": " + what.get());
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
