package dev.bpflux.reactor.ringbuf;

import dev.bpflux.map.BpfMap;
import dev.bpflux.reactor.RecordEncoder;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

/**
 * Sends a {@link Publisher}'s values into a {@code BPF_MAP_TYPE_USER_RINGBUF} (Linux 6.1+), where
 * a BPF program drains them with {@code bpf_user_ringbuf_drain}, like reactor-kafka's
 * {@code KafkaSender.send}:
 *
 * <pre>{@code
 * Flux<SendResult<Long>> sent = UserRingBufferSender.create(obj.map("user_rb"), RingBufferOptions.create())
 *         .send(Flux.range(1, 1_000_000).map(Long::valueOf),
 *               RecordEncoder.fixed(8, (v, out) -> out.writeLongLE(v)));
 * sent.then().block();   // or count(), or correlate each result
 * }</pre>
 *
 * <p>Each sample is reserved in the mapped ring, encoded in place through a {@code ByteBuf} view
 * (no copy) and submitted, in the order the upstream emitted the values. Demand to the upstream
 * follows the room in the ring: the sender requests {@link RingBufferOptions#batchSize()} values
 * ahead and more only as it writes them, so when the ring is full it stops requesting and waits
 * (on its {@link dev.bpflux.reactor.poll.PollLoop}, epoll EPOLLOUT on the ring's fd) until the
 * program drained samples; nothing is dropped. Downstream demand for results limits it too:
 * {@code send(...).then()} requests everything.
 *
 * <p>The result stream completes when the upstream completed and every value was submitted (the
 * program may not have consumed them yet: they stay in the ring for its next drain). An upstream
 * error ends it likewise, after the values emitted before it were sent. An encoder that throws (its
 * sample is discarded, the kernel skips it) or a sample larger than the ring ends it at once with
 * that error; cancel stops it. Each ends with the upstream cancelled,
 * the values still queued discarded, the ring unmapped and the source closed, exactly once.
 *
 * <p>The program must drain without {@code BPF_RB_NO_WAKEUP} (or with
 * {@code BPF_RB_FORCE_WAKEUP}): a sender waiting for room is woken by the drain's wakeup. One sender
 * per ring at a time (the kernel assumes one user-space producer).
 *
 * <h2>Minimum kernel version</h2>
 * Linux 6.1 ({@code BPF_MAP_TYPE_USER_RINGBUF}, {@code bpf_user_ringbuf_drain}).
 */
public final class UserRingBufferSender {
    private final Callable<? extends RingBufferSource> sources;
    private final RingBufferOptions options;

    private UserRingBufferSender(Callable<? extends RingBufferSource> sources, RingBufferOptions options) {
        this.sources = Objects.requireNonNull(sources, "sources");
        this.options = Objects.requireNonNull(options, "options");
    }

    /** A sender into a user ring buffer map the caller owns (the stream does not close the map). */
    public static UserRingBufferSender create(BpfMap userRingBuffer, RingBufferOptions options) {
        return create(RingBufferSource.of(userRingBuffer), options);
    }

    /** A sender into the ring of {@code ring}, closed with each stream's end when the source owns something. */
    public static UserRingBufferSender create(RingBufferSource ring, RingBufferOptions options) {
        Objects.requireNonNull(ring, "ring");
        return new UserRingBufferSender(() -> ring, options);
    }

    /**
     * A sender that calls {@code onSubscribe} at each subscription (e.g. to load and attach the
     * draining program) and closes what it returned after the ring was unmapped.
     */
    public static UserRingBufferSender create(Callable<? extends RingBufferSource> onSubscribe,
            RingBufferOptions options) {
        return new UserRingBufferSender(onSubscribe, options);
    }

    public RingBufferOptions options() {
        return options;
    }

    /**
     * Writes each value of {@code values} as one sample encoded by {@code encoder}, waiting for
     * room when the ring is full; one {@link SendResult} per submitted sample, in order. Cold:
     * nothing is mapped or subscribed until the result stream is subscribed.
     */
    public <T> Flux<SendResult<T>> send(Publisher<? extends T> values, RecordEncoder<? super T> encoder) {
        Objects.requireNonNull(values, "values");
        Objects.requireNonNull(encoder, "encoder");
        return Flux.using(this::<T>open,
                        feed -> Flux.<SendResult<T>>from(s -> feed.subscribe(Operators.toCoreSubscriber(s), values,
                                encoder)),
                        UserRingBufferFeed::close)
                .name(options.name());
    }

    private <T> UserRingBufferFeed<T> open() throws Exception {
        return UserRingBufferFeed.open(sources.call(), options);
    }

    @Override
    public String toString() {
        return "UserRingBufferSender[" + options + "]";
    }
}
