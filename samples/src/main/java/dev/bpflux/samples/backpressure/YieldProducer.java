package dev.bpflux.samples.backpressure;

import dev.bpflux.load.BpfObject;
import dev.bpflux.load.LoadOptions;
import dev.bpflux.map.BpfMap;
import dev.bpflux.reactor.DropCounter;
import dev.bpflux.samples.BundledObjects;

/**
 * {@code bpf/backpressure_producer.bpf.o} loaded and attached: one 32-byte record per
 * {@code sched_yield(2)} of one process into the 256 KiB ring {@code events}, with the
 * program's own counts of attempts ({@code produced}) and of records the full ring refused
 * ({@code dropped}). Closing detaches and unloads it. Needs root; kernel 5.8+ (ring buffer).
 */
public final class YieldProducer implements AutoCloseable {
    static final String OBJECT = "bpf/backpressure_producer.bpf.o";
    /** The record: u64 ts_ns @0, u32 tid @8, u32 cpu @12, 16 bytes of padding. */
    public static final int RECORD_SIZE = 32;

    private final BpfObject object;
    private final DropCounter dropped;

    private YieldProducer(BpfObject object) {
        this.object = object;
        this.dropped = DropCounter.ofArrayValue(object.map(".bss"), object.global("dropped").offset());
    }

    /** Loads and attaches the producer for the process {@code targetTgid} (0: every process). */
    public static YieldProducer load(int targetTgid) {
        BpfObject obj = BpfObject.load(BundledObjects.read(OBJECT), OBJECT, LoadOptions.defaults().withVariable("target_tgid", targetTgid));
        try {
            obj.program("produce").attach();
            return new YieldProducer(obj);
        } catch (RuntimeException e) {
            obj.close();
            throw e;
        }
    }

    /** The ring buffer to read. */
    public BpfMap events() {
        return object.map("events");
    }

    /** Records the program attempted to write since load (one map lookup). */
    public long produced() {
        return object.global("produced").readLong();
    }

    /** Of those, the records the full ring refused (one map lookup). */
    public long droppedInKernel() {
        return dropped.read();
    }

    @Override
    public void close() {
        object.close();
    }
}
