package dev.bpflux.reactor.testing;

import dev.bpflux.load.BpfObject;
import dev.bpflux.load.LoadOptions;
import dev.bpflux.map.BpfMap;
import dev.bpflux.sys.ProcessCalls;
import java.nio.file.Path;

/**
 * {@code src/test/bpf/ringbuf_producer.bpf.o} (the clang-built producer the benchmarks and the
 * libbpf baseline load too), loaded by bpflux's object loader with {@code target_tgid} set to this
 * process and attached: each getpgid(2) of this process writes {@code batch} 16-byte records
 * {@code {u64 seq; u64 ts}} into the ring {@code rb}. Its counters are the object's {@code .bss}
 * globals, read through {@link BpfObject#global(String)}; the program updates them with atomic adds
 * once per trigger, so reading them from another thread than the triggering one is safe.
 */
public final class RingBufferProducer implements AutoCloseable {
    public static final Path OBJECT = Path.of("src/test/bpf/ringbuf_producer.bpf.o");
    public static final int RECORD_SIZE = 16;

    // the producer's .data `mode`: see ringbuf_producer.bpf.c
    private static final int MODE_RESERVE_SUBMIT = 0;
    private static final int MODE_DISCARD_EVERY = 2;

    private final BpfObject obj;
    private final int batch;

    private RingBufferProducer(BpfObject obj, int batch) {
        this.obj = obj;
        this.batch = batch;
    }

    /** A producer into a ring of {@code ringSize} bytes, emitting {@code batch} records per trigger. */
    public static RingBufferProducer create(int ringSize, int batch) {
        return create(ringSize, batch, 0, 0);
    }

    /**
     * @param discardEvery when positive, records with {@code seq % discardEvery == discardEvery - 1}
     *     are reserved, then discarded (the producer's mode 2)
     * @param wakeupFlags flags for submit/discard: 0 adaptive, 1 BPF_RB_NO_WAKEUP, 2 BPF_RB_FORCE_WAKEUP
     */
    public static RingBufferProducer create(int ringSize, int batch, int discardEvery, int wakeupFlags) {
        BpfObject obj = BpfObject.load(OBJECT, LoadOptions.defaults()
                .withVariable("target_tgid", (int) ProcessHandle.current().pid())
                .withMaxEntries("rb", ringSize));
        try {
            obj.global("batch").writeInt(batch);
            obj.global("wakeup_flags").writeLong(wakeupFlags);
            if (discardEvery > 0) {
                obj.global("discard_every").writeInt(discardEvery);
                obj.global("mode").writeInt(MODE_DISCARD_EVERY);
            } else {
                obj.global("mode").writeInt(MODE_RESERVE_SUBMIT);
            }
            obj.program("produce").attach();
            return new RingBufferProducer(obj, batch);
        } catch (RuntimeException e) {
            obj.close();
            throw e;
        }
    }

    public BpfObject object() {
        return obj;
    }

    public BpfMap ring() {
        return obj.map("rb");
    }

    /** The object's {@code .bss} array map (one element holding the counters). */
    public BpfMap bss() {
        return obj.map(".bss");
    }

    /** Byte offset of the counter {@code name} in {@link #bss()}'s value. */
    public int offsetOf(String name) {
        return obj.global(name).offset();
    }

    public int batch() {
        return batch;
    }

    /** Runs the program {@code times} times from the calling thread. */
    public void trigger(int times) {
        for (int i = 0; i < times; i++) {
            ProcessCalls.getpgid(0);
        }
    }

    /** Sequence numbers handed out: produced + dropped + discarded. */
    public long nextSeq() {
        return obj.global("next_seq").readLong();
    }

    public long produced() {
        return obj.global("produced").readLong();
    }

    public long dropped() {
        return obj.global("dropped").readLong();
    }

    public long discarded() {
        return obj.global("discarded").readLong();
    }

    @Override
    public void close() {
        obj.close();
    }
}
