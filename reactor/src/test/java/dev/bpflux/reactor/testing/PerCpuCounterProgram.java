package dev.bpflux.reactor.testing;

import dev.bpflux.load.BpfObject;
import dev.bpflux.load.LoadOptions;
import dev.bpflux.map.BpfMap;
import dev.bpflux.sys.ProcessCalls;
import java.nio.file.Path;

/**
 * {@code src/test/bpf/percpu_counters.bpf.o}, loaded by bpflux's object loader with
 * {@code target_tgid} set to this process and attached: each getppid(2) of this process adds,
 * on the calling CPU, 1 to {@code percpu_array[0]} (u32 key, u64 value; key 1 holds that CPU's
 * number + 1), to {@code percpu_hash[tid].calls} (u32 key, value {@code {u64 calls; u64 last_ns}})
 * and to {@code lru_percpu_hash[tid]} (u32 key, u64 value), and 1 to the {@code .bss} global
 * {@code total_calls}.
 */
public final class PerCpuCounterProgram implements AutoCloseable {
    public static final Path OBJECT = Path.of("src/test/bpf/percpu_counters.bpf.o");

    private final BpfObject obj;

    private PerCpuCounterProgram(BpfObject obj) {
        this.obj = obj;
    }

    public static PerCpuCounterProgram create() {
        BpfObject obj = BpfObject.load(OBJECT, LoadOptions.defaults()
                .withVariable("target_tgid", (int) ProcessHandle.current().pid()));
        try {
            obj.program("count").attach();
            return new PerCpuCounterProgram(obj);
        } catch (RuntimeException e) {
            obj.close();
            throw e;
        }
    }

    public BpfMap array() {
        return obj.map("percpu_array");
    }

    public BpfMap hash() {
        return obj.map("percpu_hash");
    }

    public BpfMap lru() {
        return obj.map("lru_percpu_hash");
    }

    /** getppid calls of this process the program counted, over all CPUs. */
    public long totalCalls() {
        return obj.global("total_calls").readLong();
    }

    public void trigger(int times) {
        for (int i = 0; i < times; i++) {
            ProcessCalls.getppid();
        }
    }

    @Override
    public void close() {
        obj.close();
    }
}
