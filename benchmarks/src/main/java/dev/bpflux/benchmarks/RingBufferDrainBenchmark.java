package dev.bpflux.benchmarks;

import dev.bpflux.reactor.RecordBatch;
import dev.bpflux.reactor.RecordDecoder;
import dev.bpflux.reactor.ringbuf.RingBufferOptions;
import dev.bpflux.reactor.ringbuf.RingBufferReceiver;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;

/**
 * Drain rate of a pre-filled 4 MiB ring (174762 records of 16 bytes) through the {@code Flux<T>}
 * shape and the {@link RecordBatch} shape; one operation is one record, so the score is ns per
 * record and {@code -prof gc}'s {@code gc.alloc.rate.norm} is bytes per record (the fill in the
 * per-invocation setup makes only allocation-free getpgid calls). Needs root.
 *
 * <p>The timing includes waking the reader thread (an eventfd write and an epoll wakeup, some
 * microseconds per 174762 records); {@code RingBufferComparison} times first to last record.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RingBufferDrainBenchmark {
    static final int RING = 4 << 20;
    static final int RECORDS = RING / 24; // 16-byte records plus 8-byte headers
    static final int PER_TRIGGER = 500;

    @Param({"flux", "batch"})
    public String shape;

    private ProducerObject producer;
    private Drain drain;

    /** A decoded record, reused: the subscriber consumes it synchronously. */
    static final class Sample {
        long seq;
    }

    static final class Drain extends BaseSubscriber<Object> {
        final boolean batches;
        long target;
        volatile long count;
        long seqSum;
        final Consumer<ByteBuf> reader = r -> seqSum += r.getLongLE(r.readerIndex());

        Drain(boolean batches) {
            this.batches = batches;
        }

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
        }

        @Override
        protected void hookOnNext(Object value) {
            if (batches) {
                RecordBatch b = (RecordBatch) value;
                b.forEach(reader);
                long c = count + b.size();
                count = c;
                if (c < target) {
                    request(1);
                }
            } else {
                count = count + 1;
            }
        }
    }

    @Setup(Level.Trial)
    public void open() {
        producer = ProducerObject.create(RING, PER_TRIGGER);
        drain = new Drain(shape.equals("batch"));
        RingBufferReceiver receiver = RingBufferReceiver.create(producer.ring(),
                RingBufferOptions.create().withBatchSize(shape.equals("batch") ? 8192 : 1024));
        if (drain.batches) {
            receiver.receiveBatches().cast(Object.class).subscribe(drain);
        } else {
            Sample sample = new Sample();
            RecordDecoder<Object> decoder = r -> {
                sample.seq = r.getLongLE(r.readerIndex());
                return sample;
            };
            receiver.receive(decoder).subscribe(drain);
        }
    }

    @Setup(Level.Invocation)
    public void fill() {
        // one trigger more than fits: the ring is full, the rest is dropped
        producer.trigger(RECORDS / PER_TRIGGER + 1);
        drain.count = 0;
        drain.target = RECORDS;
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long drain() {
        Drain d = drain;
        d.request(d.batches ? 1 : RECORDS);
        while (d.count < RECORDS) {
            Thread.onSpinWait();
        }
        return d.seqSum;
    }

    @TearDown(Level.Trial)
    public void close() {
        drain.dispose();
        producer.close();
    }
}
