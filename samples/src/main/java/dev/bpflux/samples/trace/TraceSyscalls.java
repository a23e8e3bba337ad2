package dev.bpflux.samples.trace;

import dev.bpflux.sys.Capabilities;
import dev.bpflux.load.BpfObject;
import dev.bpflux.load.LoadOptions;
import dev.bpflux.load.ObjectProgram;
import dev.bpflux.reactor.DropCounter;
import dev.bpflux.reactor.metrics.StreamMetrics;
import dev.bpflux.reactor.ringbuf.RingBufferOptions;
import dev.bpflux.reactor.ringbuf.RingBufferReceiver;
import dev.bpflux.reactor.ringbuf.RingBufferSource;
import java.time.Duration;
import java.util.concurrent.Callable;
import dev.bpflux.samples.BundledObjects;
import dev.bpflux.samples.DurationConverter;
import dev.bpflux.samples.SampleCommandLine;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import reactor.core.publisher.Flux;

/**
 * Streams syscall events live: loads {@code bpf/syscall_trace.bpf.o} when the stream is
 * subscribed, attaches its tracepoint programs, and prints pid, thread, comm, syscall and
 * arguments as they come. Ctrl-C, {@code --count} or {@code --duration} end the stream, which
 * detaches and closes everything. Needs root: without it, one line says so and the exit status is 1;
 * invalid options exit with 2.
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

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

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
        System.exit(commandLine().execute(args));
    }

    /** The command line {@link #main} runs. */
    static CommandLine commandLine() {
        return SampleCommandLine.of(new TraceSyscalls());
    }

    @Override
    public Integer call() {
        if (pid < 0) {
            throw SampleCommandLine.usage(spec, "--pid must be a process id, or 0 for all processes, not " + pid);
        }
        if (count <= 0) {
            throw SampleCommandLine.usage(spec, "--count must be at least 1, not " + count);
        }
        if (duration != null && (duration.isNegative() || duration.isZero())) {
            throw SampleCommandLine.usage(spec, "--duration must be positive, not " + duration);
        }
        if (!Capabilities.hasBpfPrivileges()) {
            // Said before loading: the load's own EPERM would come after the loader's warnings.
            spec.commandLine().getErr().println("trace-syscalls: needs " + Capabilities.BPF_PRIVILEGES
                    + ", to load and attach its tracepoint programs");
            return 1;
        }
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
        BpfObject obj = BpfObject.load(BundledObjects.read(OBJECT), OBJECT, LoadOptions.defaults()
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
}
