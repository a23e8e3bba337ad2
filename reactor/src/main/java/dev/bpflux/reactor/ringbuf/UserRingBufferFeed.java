package dev.bpflux.reactor.ringbuf;

import dev.bpflux.map.BpfMap;
import dev.bpflux.reactor.RecordEncoder;
import dev.bpflux.reactor.poll.LoopHandshake;
import dev.bpflux.reactor.poll.PollLoop;
import dev.bpflux.reactor.poll.PollSource;
import io.netty.buffer.ByteBuf;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.Consumer;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.publisher.Operators;
import reactor.util.concurrent.Queues;
import reactor.util.context.Context;

/**
 * One {@link UserRingBufferSender#send} subscription: the mapped ring (through a
 * {@link UserRingBufferWriter}), the upstream subscription, a queue of at most
 * {@link RingBufferOptions#batchSize()} values requested ahead, and the {@link PollSource} its loop
 * runs.
 *
 * <p>Threads: the upstream's {@code onNext} only queues values and wakes the loop; every write into
 * the mapped ring, every read of its positions and the unmapping happen on the loop thread, in
 * {@link #poll}, {@link #hasWork} and {@link #closeOnLoop} (exactly once, after the loop took the
 * fd out of its epoll set), so the ring is never unmapped while being written. {@link #close()}
 * (the {@code Flux.using} cleanup) only asks for it and, off the loop thread, waits until it happened.
 *
 * <p>Demand: the upstream gets {@code batchSize} requests at first and one more per sample written,
 * so it is never more than the queue ahead of the ring. When the head value does not fit, the
 * source asks the loop to wait for room ({@link #waitsForRoom()}): EPOLLOUT, which a drain of the
 * program signals.
 */
final class UserRingBufferFeed<T> implements PollSource, Subscription, CoreSubscriber<T> {
    @SuppressWarnings("rawtypes")
    private static final AtomicReferenceFieldUpdater<UserRingBufferFeed, Subscription> UPSTREAM =
            AtomicReferenceFieldUpdater.newUpdater(UserRingBufferFeed.class, Subscription.class, "upstream");

    private final RingBufferSource source;
    private final UserRingBufferWriter writer;
    private final int fd;
    private final RingBufferOptions options;
    private final PollLoop loop;
    private final LoopHandshake handshake;
    private final int prefetch;
    private final Queue<T> queue;
    /** The first failure of the send (the handshake holds a §3.9 request error). */
    private final AtomicReference<Throwable> error = new AtomicReference<>();
    /** Writes {@link #current} into the reserved sample: one object for the whole stream. */
    private final Consumer<ByteBuf> encodeCurrent = sample -> encoderUnsafe().encode(this.current, sample);

    private RecordEncoder<? super T> encoder;
    private CoreSubscriber<? super SendResult<T>> actual;
    /** Loop thread: the value being encoded, samples sent, bytes the head value needs while blocked (0: not blocked). */
    private T current;
    private long sent;
    private long needed;
    private boolean completed;

    private volatile Subscription upstream;
    private volatile boolean done;
    /** Written before {@link #done}, read after it. */
    private Throwable upstreamError;

    private UserRingBufferFeed(RingBufferSource source, UserRingBufferWriter writer, int fd, RingBufferOptions options,
            PollLoop loop) {
        this.source = source;
        this.writer = writer;
        this.fd = fd;
        this.options = options;
        this.loop = loop;
        this.handshake = new LoopHandshake(loop, options.closeTimeout());
        this.prefetch = options.batchSize();
        this.queue = Queues.<T>get(prefetch).get();
    }

    /** Maps the user ring of {@code source}; on failure closes the source and throws. */
    static <T> UserRingBufferFeed<T> open(RingBufferSource source, RingBufferOptions options) {
        UserRingBufferWriter writer = null;
        try {
            BpfMap map = Objects.requireNonNull(source.ringBuffer(), "ringBuffer()");
            writer = UserRingBufferWriter.open(map);
            PollLoop loop = options.pollLoop(map.fd().calls());
            return new UserRingBufferFeed<>(source, writer, map.fd().fd(), options, loop);
        } catch (Throwable t) {
            Throwable failure = LoopHandshake.closeInOrder(writer, source);
            if (failure != null) {
                t.addSuppressed(failure);
            }
            throw t;
        }
    }

    @SuppressWarnings("unchecked")
    private RecordEncoder<T> encoderUnsafe() {
        return (RecordEncoder<T>) encoder;
    }

    /** Starts sending {@code values} for {@code subscriber}: one subscriber per feed. */
    void subscribe(CoreSubscriber<? super SendResult<T>> subscriber, Publisher<? extends T> values,
            RecordEncoder<? super T> encoder) {
        if (actual != null) {
            Operators.error(subscriber, new IllegalStateException("a user ring buffer sender stream serves one subscriber"));
            return;
        }
        this.encoder = encoder;
        this.actual = subscriber;
        subscriber.onSubscribe(this);
        handshake.register(this);
        values.subscribe(this);
    }

    // ---- upstream (CoreSubscriber, the publisher's thread)

    @Override
    public Context currentContext() {
        return actual.currentContext();
    }

    @Override
    public void onSubscribe(Subscription s) {
        if (Operators.setOnce(UPSTREAM, this, s)) {
            if (wantsClose() || handshake.isClosed()) {
                s.cancel();
            } else {
                s.request(prefetch);
            }
        }
    }

    @Override
    public void onNext(T value) {
        if (done || wantsClose()) {
            Operators.onDiscard(value, currentContext());
            return;
        }
        if (!queue.offer(value)) {
            Operators.onDiscard(value, currentContext());
            fail(Operators.onOperatorError(upstream, Exceptions.failWithOverflow(
                    "the upstream sent more than the sender requested"), value, currentContext()));
            return;
        }
        loop.wakeup();
    }

    @Override
    public void onError(Throwable t) {
        if (done) {
            Operators.onErrorDropped(t, currentContext());
            return;
        }
        // like completion: what the upstream emitted before it failed is still sent, then the error
        upstreamError = t;
        done = true;
        loop.wakeup();
    }

    @Override
    public void onComplete() {
        done = true;
        loop.wakeup();
    }

    private void fail(Throwable t) {
        if (!error.compareAndSet(null, t)) {
            Operators.onErrorDropped(t, currentContext());
        }
        handshake.terminate();
        loop.wakeup();
    }

    // ---- Subscription of the results (any thread)

    @Override
    public void request(long n) {
        handshake.request(n);
    }

    @Override
    public void cancel() {
        handshake.cancel();
        Subscription s = upstream;
        if (s != null) {
            s.cancel();
        }
    }

    /**
     * The {@code Flux.using} cleanup: asks the loop to close the feed and, unless called on the
     * loop thread (then the loop closes it as soon as the current poll returns), waits for it.
     */
    void close() {
        handshake.close(this);
    }

    // ---- PollSource (loop thread)

    @Override
    public int fd() {
        return fd;
    }

    @Override
    public boolean waitsForRoom() {
        return true;
    }

    /** Something to write and results wanted, or the upstream completed and only completion is left. */
    @Override
    public boolean hasDemand() {
        if (wantsClose()) {
            return false;
        }
        boolean finished = done;
        return queue.isEmpty() ? finished : handshake.requested() != 0;
    }

    @Override
    public boolean wantsClose() {
        return handshake.wantsClose();
    }

    @Override
    public boolean hasWork() {
        boolean finished = done;
        if (queue.isEmpty()) {
            return finished;
        }
        return needed == 0 || writer.available() >= needed;
    }

    @Override
    public int poll() {
        long r = handshake.requested();
        if (wantsClose()) {
            return IDLE;
        }
        long limit = Math.min(r, prefetch);
        long written = 0;
        try {
            while (written < limit && !handshake.cancelled()) {
                T value = queue.peek();
                if (value == null) {
                    break;
                }
                int length = encoderUnsafe().length(value);
                current = value;
                boolean submitted;
                try {
                    submitted = writer.offer(length, encodeCurrent);
                } finally {
                    current = null;
                }
                if (!submitted) {
                    // sample length plus its 8-byte header, rounded up to 8 (kernel/bpf/ringbuf.c)
                    needed = (length + 8L + 7) & ~7L;
                    break;
                }
                needed = 0;
                queue.poll();
                written++;
                actual.onNext(new SendResult<>(value, sent++, length));
            }
        } catch (Throwable t) {
            fail(Operators.onOperatorError(upstream, t, actual.currentContext()));
            return IDLE;
        }
        if (written > 0) {
            if (r != Long.MAX_VALUE) {
                handshake.produced(written);
            }
            Subscription s = upstream;
            if (s != null && !wantsClose()) {
                s.request(written); // may deliver values at once, on this thread: they are only queued
            }
        }
        boolean finished = done;
        if (finished && queue.isEmpty() && !wantsClose()) {
            if (upstreamError != null) {
                fail(upstreamError);
            } else {
                completed = true;
                handshake.terminate();
            }
            return IDLE;
        }
        return written == limit && written > 0 ? PROGRESS : IDLE;
    }

    @Override
    public void closeOnLoop(Throwable loopError) {
        if (!handshake.beginClose()) {
            return;
        }
        Subscription s = upstream;
        if (s != null && !completed) {
            s.cancel();
        }
        Throwable failure = LoopHandshake.closeInOrder(writer, source);
        handshake.unmapped();
        if (actual != null) {
            Operators.onDiscardQueueWithClear(queue, actual.currentContext(), null);
        }
        Throwable signal = error.get() != null ? error.get() : handshake.error() != null ? handshake.error() : loopError;
        if (signal == null && failure != null && !handshake.cancelled()) {
            signal = failure;
        }
        if (handshake.cancelled() || actual == null) {
            return;
        }
        if (signal != null) {
            actual.onError(signal);
        } else if (completed) {
            actual.onComplete();
        }
    }

    @Override
    public String toString() {
        return "UserRingBufferFeed[" + options.name() + ", fd " + fd + "]";
    }
}
