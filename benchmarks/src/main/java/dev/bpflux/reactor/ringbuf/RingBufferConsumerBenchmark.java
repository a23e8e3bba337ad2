package dev.bpflux.reactor.ringbuf;

import dev.bpflux.reactor.RecordBatch;
import dev.bpflux.reactor.RecordDecoder;
import io.netty.buffer.ByteBuf;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.reactivestreams.Subscriber;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

/**
 * The ring buffer consumer's own cost per record, without the kernel: a ring in ordinary direct
 * memory laid out as the kernel lays it out (producer page, data twice), tiled with committed
 * 16-byte records {@code {u64 seq; u64 ts}} (and one discarded filler so the tiling closes) and a
 * producer position far ahead, so every call reads committed records. One operation is one
 * record. Every shape reads the seq of each record and sums it, as the kernel comparison
 * ({@code RingBufferComparison}) does. Needs no privileges.
 *
 * <p>On a shared machine the JMH scores swing with the neighbours; {@link #main} measures thread
 * CPU time instead (run one benchmark per JVM: the shapes share the consumer's methods, and
 * one shape's type profile slows the next):
 * {@code java -cp benchmarks/target/benchmarks.jar dev.bpflux.reactor.ringbuf.RingBufferConsumerBenchmark batch}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RingBufferConsumerBenchmark {
    static final int PAGE = 4096;
    static final int PER_CALL = 8192;
    private static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    /** Data bytes of the ring (4 MiB as in the kernel comparison; 256 KiB stays in L2). */
    @Param({"4194304"})
    public int ringBytes;

    private RingBufferConsumer consumer;
    private final long[] tally = new long[2];
    private RecordDecoder<Sample> decoder;
    private RingBufferConsumer.RecordSink<Sample> sink;
    private RingBufferConsumer.RecordSink<Sample> reactorSink;
    private Consumer<ByteBuf> action;
    private long sum;
    private boolean cancelled;

    private ByteBuffer producerArea;
    private ByteBuffer consumerPage;
    private long libbpfPos;

    /** A decoded record, reused. */
    static final class Sample {
        long seq;
    }

    @Setup
    public void setUp() {
        int ring = ringBytes;
        consumerPage = ByteBuffer.allocateDirect(PAGE).order(ByteOrder.LITTLE_ENDIAN);
        producerArea = ByteBuffer.allocateDirect(PAGE + 2 * ring).order(ByteOrder.LITTLE_ENDIAN);
        long seq = 0;
        int pos = 0;
        while (pos + 24 <= ring - 16) {
            for (int copy = 0; copy < 2; copy++) {
                int at = PAGE + copy * ring + pos;
                producerArea.putInt(at, 16);
                producerArea.putInt(at + 4, 0);
                producerArea.putLong(at + 8, seq);
                producerArea.putLong(at + 16, System.nanoTime());
            }
            seq++;
            pos += 24;
        }
        for (int copy = 0; copy < 2; copy++) {
            producerArea.putInt(PAGE + copy * ring + pos, (ring - pos - 8) | RingBufferConsumer.DISCARD_BIT);
        }
        LONG.setRelease(producerArea, 0, Long.MAX_VALUE / 2);
        consumer = new RingBufferConsumer(consumerPage, producerArea.asReadOnlyBuffer(), PAGE, ring);
        Sample sample = new Sample();
        decoder = r -> {
            sample.seq = r.getLongLE(r.readerIndex());
            return sample;
        };
        sink = s -> {
            sum += s.seq;
            return true;
        };
        action = r -> sum += r.getLongLE(r.readerIndex());
        // the subscriber chain a receive() stream has: Flux.using's subscriber, then the user's
        @SuppressWarnings("unchecked")
        Subscriber<? super Sample>[] captured = new Subscriber[1];
        Flux.using(() -> "ring", ring2 -> Flux.<Sample>from(s -> {
                    captured[0] = s;
                    s.onSubscribe(Operators.emptySubscription());
                }), ring2 -> { })
                .name("bench")
                .subscribe(new BaseSubscriber<Sample>() {
                    @Override
                    protected void hookOnNext(Sample value) {
                        sum += value.seq;
                    }
                });
        Subscriber<? super Sample> chain = captured[0];
        reactorSink = value -> {
            chain.onNext(value);
            return !cancelled;
        };
    }

    /** {@code RingBufferConsumer.drain}, the loop under {@code receive(decoder)}. */
    @Benchmark
    @OperationsPerInvocation(PER_CALL)
    public long drain() {
        return consumer.drain(PER_CALL, decoder, sink, tally) + sum;
    }

    /** {@link #drain} with each value handed on through a receive() stream's subscriber chain. */
    @Benchmark
    @OperationsPerInvocation(PER_CALL)
    public long drainThroughReactor() {
        return consumer.drain(PER_CALL, decoder, reactorSink, tally) + sum;
    }

    /** The loop under {@code receiveBatches()}: take, forEach, commit. */
    @Benchmark
    @OperationsPerInvocation(PER_CALL)
    public long batch() {
        RecordBatch batch = consumer.takeBatch(PER_CALL);
        batch.forEach(action);
        consumer.commitBatch();
        return sum;
    }

    /**
     * For reference: libbpf's ringbuf_process_ring loop written in Java over the ByteBuffers
     * (acquire-load each header, release-store the position after each record), reading the seq.
     */
    @Benchmark
    @OperationsPerInvocation(PER_CALL)
    public long libbpfLoop() {
        ByteBuffer area = producerArea;
        ByteBuffer page = consumerPage;
        long mask = ringBytes - 1;
        long pos = libbpfPos;
        long s = 0;
        for (int n = 0; n < PER_CALL; ) {
            int off = PAGE + (int) (pos & mask);
            int header = (int) INT.getAcquire(area, off);
            if ((header & RingBufferConsumer.BUSY_BIT) != 0) {
                break;
            }
            int len = header & ~RingBufferConsumer.DISCARD_BIT;
            pos += (len + 15) & ~7;
            if ((header & RingBufferConsumer.DISCARD_BIT) == 0) {
                s += area.getLong(off + 8);
                n++;
            }
            LONG.setRelease(page, 0, pos);
        }
        libbpfPos = pos;
        return s;
    }

    /**
     * Thread CPU time per record, min and median of 40 samples of 300 calls, for each benchmark
     * named in {@code args} (system property {@code ring} sets the ring size).
     */
    public static void main(String[] args) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        RingBufferConsumerBenchmark b = new RingBufferConsumerBenchmark();
        b.ringBytes = Integer.getInteger("ring", 4 << 20);
        b.setUp();
        for (String name : args) {
            Method method = RingBufferConsumerBenchmark.class.getMethod(name);
            for (int warm = 0; warm < 2000; warm++) {
                method.invoke(b);
            }
            double[] samples = new double[40];
            for (int i = 0; i < samples.length; i++) {
                long t0 = threads.getCurrentThreadCpuTime();
                for (int k = 0; k < 300; k++) {
                    method.invoke(b);
                }
                samples[i] = (threads.getCurrentThreadCpuTime() - t0) / (300.0 * PER_CALL);
            }
            Arrays.sort(samples);
            System.out.printf(Locale.ROOT, "%-20s cpu ns/record min %.3f median %.3f%n", name, samples[0],
                    samples[samples.length / 2]);
        }
    }
}
