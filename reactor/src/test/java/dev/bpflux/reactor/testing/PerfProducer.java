package dev.bpflux.reactor.testing;

import dev.bpflux.load.BpfObject;
import dev.bpflux.load.LoadOptions;
import dev.bpflux.map.BpfMap;
import dev.bpflux.sys.ProcessCalls;
import java.nio.file.Path;

/**
 * {@code src/test/bpf/perf_producer.bpf.o}, loaded by bpflux's object loader with
 * {@code target_tgid} set to this process and attached: each getpgid(2) of this process writes
 * {@code batch} records {@code {u64 seq; u64 ts}} with
 * {@code bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, ...)}. The loader sizes
 * {@code events} (max_entries 0 in the object) to the possible CPUs. Counters are {@code .bss}
 * globals: next_seq, produced (outputs that succeeded), failed (outputs that failed: the CPU's
 * buffer was full, or no perf event for the CPU).
 */
public final class PerfProducer implements AutoCloseable {
    public static final Path OBJECT = Path.of("src/test/bpf/perf_producer.bpf.o");

    private final BpfObject obj;

    private PerfProducer(BpfObject obj) {
        this.obj = obj;
    }

    public static PerfProducer create(int batch) {
        BpfObject obj = BpfObject.load(OBJECT, LoadOptions.defaults()
                .withVariable("target_tgid", (int) ProcessHandle.current().pid()));
        try {
            obj.global("batch").writeInt(batch);
            obj.program("produce").attach();
            return new PerfProducer(obj);
        } catch (RuntimeException e) {
            obj.close();
            throw e;
        }
    }

    public BpfMap events() {
        return obj.map("events");
    }

    public void trigger(int times) {
        for (int i = 0; i < times; i++) {
            ProcessCalls.getpgid(0);
        }
    }

    public long nextSeq() {
        return obj.global("next_seq").readLong();
    }

    public long produced() {
        return obj.global("produced").readLong();
    }

    public long failed() {
        return obj.global("failed").readLong();
    }

    /** Getpgid calls of this process that ran the batch. */
    public long triggers() {
        return obj.global("triggers").readLong();
    }

    @Override
    public void close() {
        obj.close();
    }
}
