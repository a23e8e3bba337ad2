package dev.bpflux.samples.trace;

import dev.bpflux.load.BpfObject;
import dev.bpflux.load.LoadOptions;
import dev.bpflux.load.ObjectProgram;
import dev.bpflux.reactor.DropCounter;
import dev.bpflux.reactor.metrics.StreamMetrics;
import dev.bpflux.reactor.ringbuf.RingBufferOptions;
import dev.bpflux.reactor.ringbuf.RingBufferReceiver;
import dev.bpflux.reactor.ringbuf.RingBufferSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import dev.bpflux.samples.DurationConverter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import reactor.core.publisher.Flux;

/**
 * Streams syscall events live: loads {@code bpf/syscall_trace.bpf.o} when the stream is
 * subscribed, attaches its tracepoint programs, and prints pid, thread, comm, syscall and
 * arguments as they come. Ctrl-C, {@code --count} or {@code --duration} end the stream, which
 * detaches and closes everything. Needs root.
 *
 * <pre>
 *   samples/bin/trace-syscalls --pid 1234 --duration 10s
 *   samples/bin/trace-syscalls --count 50 --no-other
 * </pre>
 */
@Command(name = "trace-syscalls", mixinStandardHelpOptions = true,
        description = "Print syscalls live, streamed from BPF tracepoints through a ring buffer.")
public final class TraceSyscalls implements Callable<Integer> {
    static final String OBJECT = "bpf/syscall_trace.bpf.o";

    @Option(names = "--pid", description = "only this process (tgid); 0 for all (default)")
    int pid;

    @Option(names = "--count", description = "stop after this many events (default: no limit)")
    long count = Long.MAX_VALUE;

    @Option(names = "--duration", description = "stop after this long, e.g. 10s, 2m (default: no limit)",
            converter = DurationConverter.class)
    Duration duration;

    @Option(names = "--no-other", negatable = true, description = "also trace syscalls other than openat, execve,"
            + " write, connect and kill (default: true)")
    boolean other = true;

    public static void main(String[] args) {
        System.exit(new CommandLine(new TraceSyscalls()).execute(args));
    }

    @Override
    public Integer call() {
        Flux<SyscallEvent> events = events(pid, (int) ProcessHandle.current().pid(), other);
        if (count != Long.MAX_VALUE) {
            events = events.take(count);
        }
        if (duration != null) {
            events = events.take(duration);
        }
        System.out.printf("%7s %7s %-16s %s%n", "PID", "TID", "COMM", "SYSCALL");
        events.doOnNext(e -> System.out.println(e.format())).blockLast();
        return 0;
    }

    /**
     * The events of {@code syscall_trace.bpf.o}: the object is loaded and attached at subscription
     * (with {@code filterPid}, 0 for all, and {@code excludePid}, the tracer itself so its output
     * does not feed back) and closed when the stream ends. Drops (ring full while the consumer is
     * behind) are reported on standard error every second.
     */
    public static Flux<SyscallEvent> events(int filterPid, int excludePid, boolean traceOther) {
        return events(filterPid, excludePid, traceOther, RingBufferOptions.create().withName("syscalls"));
    }

    /**
     * As {@link #events(int, int, boolean)}, read with these options (metrics, loop, name). The
     * program's drop count also goes to the options' {@code StreamMetrics.dropped}.
     */
    public static Flux<SyscallEvent> events(int filterPid, int excludePid, boolean traceOther,
            RingBufferOptions options) {
        return RingBufferReceiver.create(() -> open(filterPid, excludePid, traceOther, options.metrics()), options)
                .receive(SyscallEvent::decode);
    }

    private static RingBufferSource open(int filterPid, int excludePid, boolean traceOther, StreamMetrics metrics) {
        BpfObject obj = BpfObject.load(extract(), LoadOptions.defaults()
                .withVariable("filter_pid", filterPid)
                .withVariable("exclude_pid", excludePid)
                .withVariable("trace_other", traceOther));
        try {
            for (ObjectProgram p : obj.programs()) {
                if (traceOther || !p.name().equals("trace_other_syscalls")) {
                    p.attach();
                }
            }
            DropCounter drops = DropCounter.ofArrayValue(obj.map(".bss"), obj.global("dropped").offset());
            var warnings = drops.changes(Duration.ofSeconds(1))
                    .subscribe(n -> {
                        metrics.dropped(n); // the program's count, as the stream's "dropped" meter
                        System.err.println("bpflux: " + n + " events dropped (ring buffer full)");
                    });
            return RingBufferSource.of(obj.map("events"), () -> {
                warnings.dispose();
                obj.close();
            });
        } catch (RuntimeException e) {
            obj.close();
            throw e;
        }
    }

    /** The object is a class path resource; the loader reads files. */
    private static Path extract() {
        try (InputStream in = TraceSyscalls.class.getClassLoader().getResourceAsStream(OBJECT)) {
            if (in == null) {
                throw new IllegalStateException(OBJECT + " is missing from the class path: build the samples module");
            }
            Path tmp = Files.createTempFile("syscall_trace", ".bpf.o");
            tmp.toFile().deleteOnExit();
            Files.write(tmp, in.readAllBytes());
            return tmp;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract " + OBJECT, e);
        }
    }
}
