package dev.bpflux.benchmarks;

import dev.bpflux.load.BpfObject;
import dev.bpflux.load.LoadOptions;
import dev.bpflux.map.BpfMap;
import dev.bpflux.sys.ProcessCalls;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code reactor/src/test/bpf/ringbuf_producer.bpf.o}, the producer the libbpf baseline loads too,
 * loaded by bpflux: each getpgid(2) of this process emits {@code batch} 16-byte records.
 */
public final class ProducerObject implements AutoCloseable {
    static final Path OBJECT = locate();

    private final BpfObject obj;

    private ProducerObject(BpfObject obj) {
        this.obj = obj;
    }

    private static Path locate() {
        String configured = System.getProperty("bpflux.producer");
        if (configured != null) {
            return Path.of(configured);
        }
        for (Path p : new Path[] {Path.of("reactor/src/test/bpf/ringbuf_producer.bpf.o"),
                Path.of("../reactor/src/test/bpf/ringbuf_producer.bpf.o")}) {
            if (Files.exists(p)) {
                return p;
            }
        }
        return Path.of("reactor/src/test/bpf/ringbuf_producer.bpf.o");
    }

    public static ProducerObject create(int ringBytes, int batch) {
        BpfObject obj = BpfObject.load(OBJECT, LoadOptions.defaults()
                .withVariable("target_tgid", (int) ProcessHandle.current().pid())
                .withMaxEntries("rb", ringBytes));
        try {
            obj.global("batch").writeInt(batch);
            obj.program("produce").attach();
            return new ProducerObject(obj);
        } catch (RuntimeException e) {
            obj.close();
            throw e;
        }
    }

    public BpfMap ring() {
        return obj.map("rb");
    }

    public void trigger(int times) {
        for (int i = 0; i < times; i++) {
            ProcessCalls.getpgid(0);
        }
    }

    public long produced() {
        return obj.global("produced").readLong();
    }

    public long dropped() {
        return obj.global("dropped").readLong();
    }

    @Override
    public void close() {
        obj.close();
    }
}
