package dev.bpflux.reactor.ringbuf;

import dev.bpflux.sys.PageSize;
import dev.bpflux.BpfException;
import dev.bpflux.map.BpfMap;
import dev.bpflux.obj.MapType;
import dev.bpflux.reactor.RecordBatch;
import dev.bpflux.reactor.RecordDecoder;
import dev.bpflux.reactor.metrics.StreamMetrics;
import dev.bpflux.reactor.poll.LoopHandshake;
import dev.bpflux.reactor.poll.PollLoop;
import dev.bpflux.reactor.poll.PollSource;
import dev.bpflux.sys.MappedMemory;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.Scannable;
import reactor.core.publisher.Operators;

/**
 * One subscription to one ring buffer: the mapping, the subscription state and the
 * {@link PollSource} its loop reads. Opened at subscribe time by {@link #open}, closed exactly once
 * on the loop thread by {@link #closeOnLoop} (cancel, error, loop failure), which is the only place
 * that unmaps; {@link #cancel()} only asks for it and, off the loop thread, waits until it happened.
 *
 * <p>States: OPEN (mapped, not registered) -> REGISTERED (the loop reads it) -> CLOSED. Reads
 * happen only on the loop thread while REGISTERED; the loop removes the source before closing it,
 * so no read can overlap the munmap.
 */
final class RingBufferReader<T> implements PollSource, Subscription, RingBufferConsumer.RecordSink<T> {
    /**
     * The reader of each ring map object (BpfMap compares by identity; no syscall per subscribe):
     * readers of one ring share its consumer position, so a second one would read records again and
     * move the position under the first.
     */
    private static final ConcurrentHashMap<BpfMap, RingBufferReader<?>> READERS = new ConcurrentHashMap<>();

    private final BpfMap ring;
    private final RingBufferSource source;
    private final int fd;
    private final RingBufferOptions options;
    private final LoopHandshake handshake;
    private final StreamMetrics metrics;
    private final MappedMemory consumerPage;
    private final MappedMemory producerArea;
    private final RingBufferConsumer consumer;
    /** Bytes and records of one drain call. */
    private final long[] tally = new long[2];

    private RecordDecoder<? extends T> decoder;
    private boolean batches;
    private CoreSubscriber<? super T> actual;
    private long discardedReported;

    /**
     * The handshake's cancelled flag again, read plainly per record: a volatile read per record
     * cost a nanosecond (it keeps the JIT from keeping anything in registers across it). A cancel
     * from inside {@code onNext} (take, takeUntil) is on this thread and seen at once; one from
     * another thread is seen at the latest when the drain call returns, after at most a batch.
     */
    private boolean cancelSeen;

    private RingBufferReader(RingBufferSource source, BpfMap ring, RingBufferOptions options, PollLoop loop,
            MappedMemory consumerPage, MappedMemory producerArea, int pageSize, int size) {
        this.source = source;
        this.ring = ring;
        this.fd = ring.fd().fd();
        this.options = options;
        this.handshake = new LoopHandshake(loop, options.closeTimeout());
        this.metrics = options.metrics();
        this.consumerPage = consumerPage;
        this.producerArea = producerArea;
        // the producer area is PROT_READ: a write through it would fault, so the view is read-only too
        this.consumer = new RingBufferConsumer(consumerPage.asByteBuffer(), producerArea.asByteBuffer().asReadOnlyBuffer(),
                pageSize, size);
    }

    /**
     * Maps the ring of {@code source} (consumer page read-write at offset 0; producer page and the
     * twice-mapped data read-only at offset pagesize); on failure closes the source and throws.
     */
    static <T> RingBufferReader<T> open(RingBufferSource source, RingBufferOptions options) {
        int pageSize = PageSize.VALUE;
        MappedMemory consumerPage = null;
        MappedMemory producerArea = null;
        try {
            BpfMap map = Objects.requireNonNull(source.ringBuffer(), "ringBuffer()");
            if (map.type() != MapType.RINGBUF) {
                throw new BpfException(map.fd().what() + " is a " + (map.type() == null ? "map of type "
                        + map.typeNumber() : map.type().kernelName()) + ", not a BPF_MAP_TYPE_RINGBUF: a ring buffer"
                        + (map.type() == MapType.USER_RINGBUF ? " stream reads what BPF writes; a user ring buffer is written by user space"
                                : " stream needs a ring buffer map (Linux 5.8+)"));
            }
            int size = map.maxEntries();
            if (size <= 0 || Integer.bitCount(size) != 1 || size % pageSize != 0 || size > (1 << 29)) {
                throw new BpfException("ring buffer " + map.fd().what() + " has max_entries " + size
                        + ", not a power of two multiple of the page size " + pageSize + " up to 512 MiB,"
                        + " which bpflux can map");
            }
            consumerPage = MappedMemory.map(map.fd(), pageSize, MappedMemory.PROT_READ | MappedMemory.PROT_WRITE, 0);
            producerArea = MappedMemory.map(map.fd(), pageSize + 2L * size, MappedMemory.PROT_READ, pageSize);
            PollLoop loop = options.pollLoop(map.fd().calls());
            RingBufferReader<T> reader = new RingBufferReader<>(source, map, options, loop,
                    consumerPage, producerArea, pageSize, size);
            reader.claimRing();
            return reader;
        } catch (Throwable t) {
            Throwable failure = LoopHandshake.closeInOrder(producerArea, consumerPage, source);
            if (failure != null) {
                t.addSuppressed(failure);
            }
            throw t;
        }
    }

    /**
     * Makes this the ring's only reader. A previous reader that gave the ring up from inside
     * {@code onNext} on this thread (a {@code take(n).repeat()}) reads and publishes no more, so this
     * one starts at once; any other is waited for until it unmapped (its cancel may still be on its
     * way to its loop, as with a shared stream), up to the close timeout, else this one is refused.
     */
    private void claimRing() {
        long deadline = System.nanoTime() + options.closeTimeout().toNanos();
        while (true) {
            RingBufferReader<?> previous = READERS.putIfAbsent(ring, this);
            if (previous == null) {
                return;
            }
            boolean onItsLoop = previous.handshake.loop().inLoop();
            if (onItsLoop && previous.consumer.relinquished()) {
                if (READERS.replace(ring, previous, this)) {
                    return;
                }
                continue;
            }
            if (!onItsLoop && subscriberGone(previous.actual)) {
                // its subscriber is gone but never cancelled it: Reactor's publish() loses the
                // upstream cancel when dispose() races its drain loop (docs/streams.md)
                previous.cancel();
            }
            long left = deadline - System.nanoTime();
            if (onItsLoop || !awaitUnmapped(previous, Math.max(0, left))) {
                throw new IllegalStateException("ring buffer " + ring.fd().what() + " is still read by " + previous
                        + (onItsLoop ? ", which is delivering on this thread"
                                : ", which did not finish closing within " + options.closeTimeout())
                        + ": a ring buffer has one reader at a time (readers share its consumer position);"
                        + " cancel the other subscription first, or share one stream (publish(), share())");
            }
            READERS.remove(ring, previous); // closed: frees its entry if its own close has not yet
        }
    }

    /** Whether {@code actual} or a subscriber below it is a disposed {@code Disposable} (nothing takes records any more). */
    private static boolean subscriberGone(Object actual) {
        if (actual == null) {
            return false;
        }
        Scannable s = Scannable.from(actual);
        return Stream.concat(Stream.of(s), s.actuals()).anyMatch(a -> a instanceof Disposable d && d.isDisposed());
    }

    private static boolean awaitUnmapped(RingBufferReader<?> previous, long nanos) {
        try {
            return previous.handshake.awaitUnmapped(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Starts the records stream for {@code subscriber}; a reader serves one subscription. */
    void subscribeRecords(CoreSubscriber<? super T> subscriber, RecordDecoder<? extends T> decoder) {
        this.decoder = decoder;
        start(subscriber);
    }

    /** Starts the batch stream for {@code subscriber}. */
    @SuppressWarnings("unchecked")
    void subscribeBatches(CoreSubscriber<? super RecordBatch> subscriber) {
        this.batches = true;
        start((CoreSubscriber<? super T>) subscriber);
    }

    private void start(CoreSubscriber<? super T> subscriber) {
        actual = subscriber;
        try {
            subscriber.onSubscribe(this);
        } catch (Throwable t) {
            // against rule 2.13, but the mapping is ours: unmap it (not registered: closed here)
            handshake.cancel();
            handshake.awaitClosed(this);
            throw t;
        }
        handshake.register(this);
    }

    // ---- Subscription (any thread)

    @Override
    public void request(long n) {
        handshake.request(n);
    }

    /**
     * Stops reading; the loop unmaps and closes everything after the current poll. Off the loop
     * thread this waits until that happened (up to the close timeout), so that whoever cancelled
     * can subscribe to the same ring again at once. On the loop thread (a cancel from inside
     * {@code onNext}, as {@code take(n)} does) it cannot wait for its own caller: the consumer
     * publishes the position past the record handed on and stops publishing, so a new subscription
     * starts there while this one finishes.
     */
    @Override
    public void cancel() {
        cancelSeen = true;
        if (handshake.loop().inLoop()) {
            consumer.relinquish();
        }
        handshake.cancel();
        handshake.awaitClosed(this);
    }

    /** Whether {@link #closeOnLoop} ran (the ring is unmapped). */
    boolean isClosed() {
        return handshake.isClosed();
    }

    // ---- PollSource (loop thread)

    @Override
    public int fd() {
        return fd;
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
        return consumer.hasData();
    }

    @Override
    public int poll() {
        long r = handshake.requested();
        if (r == 0 || wantsClose()) {
            return IDLE;
        }
        long limit = Math.min(r, batches ? 16 : options.batchSize());
        long emitted;
        try {
            emitted = batches ? pollBatches(limit) : pollRecords(limit);
        } catch (Throwable t) {
            handshake.fail(Operators.onOperatorError(null, t, actual.currentContext()));
            return IDLE;
        }
        long discarded = consumer.discarded();
        if (discarded != discardedReported) {
            metrics.discarded(discarded - discardedReported);
            discardedReported = discarded;
        }
        if (emitted > 0 && r != Long.MAX_VALUE) {
            handshake.produced(emitted);
        }
        return emitted == limit ? PROGRESS : IDLE;
    }

    private long pollRecords(long limit) {
        tally[0] = 0;
        tally[1] = 0;
        try {
            return consumer.drain(limit, decoder, this, tally);
        } finally {
            // also what was emitted before a decoder or subscriber threw
            if (tally[1] > 0) {
                metrics.received(tally[1], tally[0]);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private long pollBatches(long limit) {
        long emitted = 0;
        while (emitted < limit && !handshake.cancelled()) {
            RecordBatch batch = consumer.takeBatch(options.batchSize());
            if (batch == null) {
                break;
            }
            ((CoreSubscriber<? super RecordBatch>) actual).onNext(batch);
            consumer.commitBatch();
            metrics.received(batch.size(), batch.bytes());
            emitted++;
        }
        return emitted;
    }

    @Override
    public boolean accept(T value) {
        actual.onNext(value);
        return !cancelSeen;
    }

    @Override
    public void closeOnLoop(Throwable loopError) {
        if (!handshake.beginClose()) {
            return;
        }
        Throwable failure = LoopHandshake.closeInOrder(consumer::close, producerArea, consumerPage, source);
        READERS.remove(ring, this);
        handshake.unmapped();
        Throwable error = handshake.error();
        Throwable signal = error != null ? error : loopError;
        if (signal == null && failure != null && !handshake.cancelled()) {
            signal = failure;
        }
        if (signal != null && !handshake.cancelled() && actual != null) {
            actual.onError(signal);
        }
    }

    @Override
    public String toString() {
        return "RingBufferReader[" + options.name() + ", fd " + fd + "]";
    }
}
