package dev.bpflux.reactor.perf;

import dev.bpflux.BpfException;
import dev.bpflux.map.BpfMap;
import dev.bpflux.obj.MapType;
import dev.bpflux.reactor.RecordDecoder;
import dev.bpflux.reactor.metrics.StreamMetrics;
import dev.bpflux.reactor.poll.LoopHandshake;
import dev.bpflux.reactor.poll.PollLoop;
import dev.bpflux.reactor.poll.PollSource;
import dev.bpflux.sys.MappedMemory;
import dev.bpflux.sys.OwnedFd;
import dev.bpflux.sys.PerfEventAttr;
import dev.bpflux.sys.PerfEvents;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongFunction;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Operators;

/**
 * One subscription to a perf event array: a perf buffer per online CPU, all read by one
 * {@link PollSource} (one fd per CPU in the loop's epoll set), closed exactly once on the loop
 * thread, like the ring buffer reader.
 */
final class PerfBufferReader<T> implements PollSource, Subscription, PerfCpuBuffer.Sink<T> {
    private final BpfMap map;
    private final PerfBufferOptions options;
    private final LoopHandshake handshake;
    private final StreamMetrics metrics;
    private final List<PerfCpuBuffer> buffers;
    private final int[] fds;
    private final AtomicBoolean detached = new AtomicBoolean();
    private final long[] counts = new long[3];

    private RecordDecoder<? extends T> decoder;
    private LongFunction<? extends T> onLost;
    private CoreSubscriber<? super T> actual;
    private int next;
    private long pollEmitted;

    private PerfBufferReader(BpfMap map, PerfBufferOptions options, PollLoop loop, List<PerfCpuBuffer> buffers) {
        this.map = map;
        this.options = options;
        this.handshake = new LoopHandshake(loop, options.closeTimeout());
        this.metrics = options.metrics();
        this.buffers = buffers;
        this.fds = buffers.stream().mapToInt(PerfCpuBuffer::fd).toArray();
    }

    /**
     * Opens a perf event ({@code PERF_COUNT_SW_BPF_OUTPUT}, {@code PERF_SAMPLE_RAW}) per online
     * CPU, maps its buffer, stores its fd in {@code map} at the CPU's index and enables it.
     */
    static <T> PerfBufferReader<T> open(BpfMap map, PerfBufferOptions options) {
        if (map.type() != MapType.PERF_EVENT_ARRAY) {
            throw new BpfException(map.fd().what() + " is not a BPF_MAP_TYPE_PERF_EVENT_ARRAY");
        }
        int pageSize = pageSize();
        List<PerfCpuBuffer> buffers = new ArrayList<>();
        try {
            for (int cpu : onlineCpus()) {
                if (cpu >= map.maxEntries()) {
                    throw new BpfException(map.fd().what() + " has " + map.maxEntries() + " entries but CPU " + cpu
                            + " is online: create it with max_entries = the number of possible CPUs");
                }
                OwnedFd event;
                try (PerfEventAttr attr = new PerfEventAttr()) {
                    attr.type(PerfEventAttr.PERF_TYPE_SOFTWARE).config(PerfEventAttr.PERF_COUNT_SW_BPF_OUTPUT)
                            .samplePeriod(1).sampleType(PerfEventAttr.PERF_SAMPLE_RAW)
                            .flags(PerfEventAttr.FLAG_DISABLED);
                    if (options.wakeupWatermark() > 0) {
                        // watermark = 1: the union field is wakeup_watermark (bytes), not wakeup_events
                        attr.flags(PerfEventAttr.FLAG_WATERMARK).wakeup(options.wakeupWatermark());
                    } else {
                        attr.wakeup(options.wakeupEvents());
                    }
                    event = PerfEvents.open(map.fd().calls(), attr, -1, cpu, -1, 0, "perf buffer of CPU " + cpu);
                }
                MappedMemory mapping;
                try {
                    mapping = MappedMemory.map(event, (long) pageSize * (1 + options.pagesPerCpu()),
                            MappedMemory.PROT_READ | MappedMemory.PROT_WRITE, 0);
                } catch (RuntimeException e) {
                    event.close();
                    throw e;
                }
                PerfCpuBuffer buffer = new PerfCpuBuffer(cpu, event, mapping, pageSize, options.pagesPerCpu());
                buffers.add(buffer);
                map.update(u32(cpu), u32(event.fd()));
                PerfEvents.enable(event);
            }
            PollLoop loop = options.loop() != null ? options.loop()
                    : PollLoop.create(options.name(), options.waitStrategy(), map.fd().calls());
            return new PerfBufferReader<>(map, options, loop, buffers);
        } catch (Throwable t) {
            for (PerfCpuBuffer b : buffers) {
                try {
                    map.delete(u32(b.cpu));
                } catch (RuntimeException suppressed) {
                    t.addSuppressed(suppressed);
                }
                b.close();
            }
            throw t;
        }
    }

    private static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }

    static int pageSize() {
        // the ring buffer package reads AT_PAGESZ; perf buffers use the same page size
        return dev.bpflux.reactor.ringbuf.RingBufferOptions.pageSize();
    }

    static int[] onlineCpus() {
        try {
            return dev.bpflux.kernel.PossibleCpus.parse(Files.readString(Path.of("/sys/devices/system/cpu/online")))
                    .ids();
        } catch (IOException e) {
            throw new BpfException("cannot read the online CPUs from /sys/devices/system/cpu/online: " + e.getMessage());
        }
    }

    void subscribe(CoreSubscriber<? super T> subscriber, RecordDecoder<? extends T> decoder,
            LongFunction<? extends T> onLost) {
        if (actual != null) {
            Operators.error(subscriber, new IllegalStateException("a perf buffer reader serves one subscriber"));
            return;
        }
        this.decoder = decoder;
        this.onLost = onLost;
        this.actual = subscriber;
        subscriber.onSubscribe(this);
        handshake.register(this);
    }

    @Override
    public void request(long n) {
        handshake.request(n);
    }

    @Override
    public void cancel() {
        handshake.cancel();
    }

    /**
     * The {@code Flux.using} cleanup. Takes the fds out of the map at once, on the calling thread
     * (a syscall that touches no mapped memory), so a subscription that follows, even before the
     * loop unmapped this one, finds its own fds there and not ours deleted under it.
     */
    void close() {
        handshake.terminate();
        detach();
        handshake.awaitClosed(this);
    }

    @Override
    public int fd() {
        return fds[0];
    }

    @Override
    public int[] fds() {
        return fds.clone();
    }

    @Override
    public boolean hasDemand() {
        return handshake.hasDemand();
    }

    @Override
    public boolean wantsClose() {
        return handshake.wantsClose();
    }

    @Override
    public boolean hasWork() {
        for (PerfCpuBuffer b : buffers) {
            if (b.hasData()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public int poll() {
        long r = handshake.requested();
        if (r == 0 || wantsClose()) {
            return IDLE;
        }
        long limit = Math.min(r, options.batchSize());
        counts[0] = 0;
        counts[1] = 0;
        counts[2] = 0;
        pollEmitted = 0;
        try {
            // round-robin over CPUs so a busy CPU cannot starve the others
            for (int i = 0; i < buffers.size() && pollEmitted < limit && !handshake.cancelled(); i++) {
                PerfCpuBuffer b = buffers.get((next + i) % buffers.size());
                if (!b.drain(limit - pollEmitted, decoder, this, counts)) {
                    break;
                }
            }
            next = (next + 1) % buffers.size();
        } catch (Throwable t) {
            handshake.fail(Operators.onOperatorError(null, t, actual.currentContext()));
            return IDLE;
        }
        if (counts[0] > 0) {
            metrics.received(counts[0], counts[1]);
        }
        if (counts[2] > 0) {
            metrics.dropped(counts[2]);
        }
        if (pollEmitted > 0 && r != Long.MAX_VALUE) {
            handshake.produced(pollEmitted);
        }
        return pollEmitted == limit ? PROGRESS : IDLE;
    }

    @Override
    public boolean accept(T value) {
        pollEmitted++;
        actual.onNext(value);
        return !handshake.cancelled();
    }

    @Override
    public boolean lost(long count) {
        if (onLost == null) {
            return true;
        }
        // a lost signal is an element: it takes demand like a record
        pollEmitted++;
        actual.onNext(onLost.apply(count));
        return !handshake.cancelled();
    }

    @Override
    public void closeOnLoop(Throwable loopError) {
        if (!handshake.beginClose()) {
            return;
        }
        detach();
        Throwable failure = null;
        for (PerfCpuBuffer b : buffers) {
            try {
                b.close();
            } catch (Throwable t) {
                failure = failure == null ? t : failure;
            }
        }
        handshake.unmapped();
        Throwable error = handshake.error();
        Throwable signal = error != null ? error : loopError != null ? loopError : failure;
        if (signal != null && !handshake.cancelled() && actual != null) {
            actual.onError(signal);
        }
    }

    /** Removes our fds from the map, once. */
    private void detach() {
        if (!detached.compareAndSet(false, true)) {
            return;
        }
        for (PerfCpuBuffer b : buffers) {
            try {
                map.delete(u32(b.cpu));
            } catch (RuntimeException e) {
                // the map may already be closed by its owner; the event fds close either way
            }
        }
    }

    @Override
    public String toString() {
        return "PerfBufferReader[" + options.name() + ", " + buffers.size() + " CPUs]";
    }
}
