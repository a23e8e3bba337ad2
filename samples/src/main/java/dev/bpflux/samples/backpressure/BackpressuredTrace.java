package dev.bpflux.samples.backpressure;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import dev.bpflux.samples.DurationConverter;
import dev.bpflux.samples.SampleCommandLine;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A high-rate BPF producer and a slow subscriber, under each {@link BackpressureStrategy} in turn:
 * prints once a second what was produced, received, dropped in the kernel and dropped in Java,
 * and the buffer's fill; then, after the load stopped and the rest was drained, the totals, which
 * add up: produced = read from the ring + dropped in kernel, read = received by the subscriber +
 * dropped in Java.
 *
 * <pre>
 *   samples/bin/backpressured-trace                       # ring, drop, buffer: 5 s each
 *   samples/bin/backpressured-trace --strategy ring --duration 10s --work 50us
 * </pre>
 */
@Command(name = "backpressured-trace", mixinStandardHelpOptions = true,
        description = "A fast BPF producer, a slow consumer, and the three backpressure strategies.")
public final class BackpressuredTrace implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--strategy", description = "ring, drop, buffer or all (default: all, one after the other)")
    String strategy = "all";

    @Option(names = "--duration", description = "how long to run each strategy (default: 5s)",
            converter = DurationConverter.class)
    Duration duration = Duration.ofSeconds(5);

    @Option(names = "--work", description = "the consumer's time per event (default: 100us)",
            converter = DurationConverter.class)
    Duration work = Duration.ofNanos(100_000);

    @Option(names = "--prefetch", description = "records the consumer requests at a time (default: 32)")
    int prefetch = 32;

    @Option(names = "--buffer", description = "onBackpressureBuffer's bound for the buffer strategy (default: 4096)")
    int buffer = 4096;

    @Option(names = "--threads", description = "threads calling sched_yield (default: 1)")
    int threads = 1;

    public static void main(String[] args) {
        System.exit(SampleCommandLine.of(new BackpressuredTrace()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        List<BackpressureStrategy> strategies;
        try {
            strategies = strategy.equalsIgnoreCase("all") ? List.of(BackpressureStrategy.values())
                    : List.of(BackpressureStrategy.valueOf(strategy.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            throw SampleCommandLine.usage(spec, "--strategy must be ring, drop, buffer or all, not " + strategy);
        }
        if (duration.isNegative() || duration.isZero() || work.isNegative()) {
            throw SampleCommandLine.usage(spec, "--duration must be positive and --work not negative");
        }
        if (prefetch < 1 || buffer < 1 || threads < 1) {
            throw SampleCommandLine.usage(spec, "--prefetch, --buffer and --threads must be at least 1");
        }
        System.out.printf("consumer: %d us per event, prefetch %d; ring 256 KiB (%d-byte records); buffer %d%n",
                work.toNanos() / 1000, prefetch, YieldProducer.RECORD_SIZE, buffer);
        for (BackpressureStrategy s : strategies) {
            Totals t = run(s, (int) ProcessHandle.current().pid(), duration, work, prefetch, buffer, threads,
                    System.out::println);
            System.out.println(t.format());
            System.out.println();
        }
        return 0;
    }

    /** The counters at the end of a run, after the load stopped and the pipeline drained. */
    public record Totals(BackpressureStrategy strategy, long produced, long droppedInKernel, long read,
            long consumed, long droppedInJava, long maxOutstandingDemand, long maxBuffered) {
        String format() {
            return String.format(Locale.ROOT, "%-6s total: produced %,d = read from the ring %,d + dropped in kernel %,d;"
                    + " read = received %,d + dropped in Java %,d; max buffered %,d",
                    strategy.name().toLowerCase(Locale.ROOT), produced, read, droppedInKernel, consumed, droppedInJava,
                    maxBuffered);
        }
    }

    /**
     * Loads the producer for {@code tgid}, runs {@code strategy} under load for {@code duration}
     * printing a line a second to {@code out}, stops the load, lets the consumer drain at full
     * speed until the counters stop moving, and returns them. Needs root.
     */
    public static Totals run(BackpressureStrategy strategy, int tgid, Duration duration, Duration work, int prefetch,
            int buffer, int threads, java.util.function.Consumer<String> out) throws InterruptedException {
        String name = strategy.name().toLowerCase(Locale.ROOT);
        try (YieldProducer producer = YieldProducer.load(tgid)) {
            SlowPipeline pipeline = SlowPipeline.start(producer, strategy, work, prefetch, buffer);
            try {
                out.accept(String.format("%-6s %4s %12s %12s %18s %16s %12s", "", "t", "produced/s", "received/s",
                        "dropped kernel/s", "dropped Java/s", "buffer"));
                long[] last = new long[4];
                try (YieldLoad load = YieldLoad.start(threads)) {
                    long started = System.nanoTime();
                    for (int second = 1; System.nanoTime() - started < duration.toNanos(); second++) {
                        Thread.sleep(Math.min(1000, duration.toMillis()));
                        long[] now = {producer.produced(), pipeline.consumed(), producer.droppedInKernel(),
                                pipeline.droppedInJava()};
                        out.accept(String.format(Locale.ROOT, "%-6s %3ds %,12d %,12d %,18d %,16d %12s", name, second,
                                now[0] - last[0], now[1] - last[1], now[2] - last[2], now[3] - last[3],
                                strategy == BackpressureStrategy.BUFFER ? pipeline.buffered() + "/" + buffer : "-"));
                        last = now;
                    }
                }
                pipeline.work(Duration.ZERO);
                return drain(strategy, producer, pipeline);
            } finally {
                pipeline.dispose();
            }
        }
    }

    /** Waits until nothing moves for half a second (the JVM itself calls sched_yield now and then). */
    private static Totals drain(BackpressureStrategy strategy, YieldProducer producer, SlowPipeline pipeline)
            throws InterruptedException {
        Totals before = snapshot(strategy, producer, pipeline);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            Thread.sleep(500);
            Totals now = snapshot(strategy, producer, pipeline);
            if (now.equals(before) && now.consumed() + now.droppedInJava() == now.read()) {
                return now;
            }
            before = now;
        }
        return before;
    }

    private static Totals snapshot(BackpressureStrategy strategy, YieldProducer producer, SlowPipeline pipeline) {
        // read first, produced last: a record written in between shows as produced, not lost
        long consumed = pipeline.consumed();
        long droppedInJava = pipeline.droppedInJava();
        long read = pipeline.read();
        long dropped = producer.droppedInKernel();
        long produced = producer.produced();
        return new Totals(strategy, produced, dropped, read, consumed, droppedInJava, pipeline.maxOutstandingDemand(),
                pipeline.maxBuffered());
    }
}
