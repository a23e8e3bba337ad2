package dev.bpflux.reactor.testing;

import static dev.bpflux.reactor.testing.BpfInstructions.*;

import dev.bpflux.map.BpfMap;
import dev.bpflux.map.MapDefinition;
import dev.bpflux.obj.MapType;
import dev.bpflux.sys.Bpf;
import dev.bpflux.sys.BpfAttr;
import dev.bpflux.sys.OwnedFd;
import dev.bpflux.sys.ProcessCalls;

/**
 * Per-CPU counters assembled by hand, like {@code src/test/bpf/percpu_counters.bpf.c}: each
 * getppid(2) of this process adds 1 on the calling CPU to {@code array[0]} (PERCPU_ARRAY, u32 key,
 * u64 value), to {@code hash[tid]} (PERCPU_HASH, u64 key, u64 value) and to {@code lru[tid]}
 * (LRU_PERCPU_HASH). Raw tracepoint on {@code sys_enter}, syscall 110 (getppid on x86_64).
 */
public final class PerCpuCounterProgram implements AutoCloseable {
    private static final int SYS_GETPPID_X86_64 = 110;

    private final BpfMap array;
    private final BpfMap hash;
    private final BpfMap lru;
    private final OwnedFd program;
    private final OwnedFd link;

    private PerCpuCounterProgram(BpfMap array, BpfMap hash, BpfMap lru, OwnedFd program, OwnedFd link) {
        this.array = array;
        this.hash = hash;
        this.lru = lru;
        this.program = program;
        this.link = link;
    }

    public static PerCpuCounterProgram create() {
        BpfMap array = BpfMap.create(MapDefinition.builder(MapType.PERCPU_ARRAY).keySize(4).valueSize(8)
                .maxEntries(4).name("test_pc_array").build());
        BpfMap hash = BpfMap.create(MapDefinition.builder(MapType.PERCPU_HASH).keySize(8).valueSize(8)
                .maxEntries(1024).name("test_pc_hash").build());
        BpfMap lru = BpfMap.create(MapDefinition.builder(MapType.LRU_PERCPU_HASH).keySize(8).valueSize(8)
                .maxEntries(128).name("test_pc_lru").build());
        BpfInstructions p = new BpfInstructions()
                .mov(R6, R1)
                .loadDw(R2, R6, 8)
                .jumpImm(JNE, R2, SYS_GETPPID_X86_64, "out")
                .call(GET_CURRENT_PID_TGID)
                .mov(R7, R0)
                .aluImm(RSH, R0, 32)
                .jumpImm(JNE, R0, (int) ProcessHandle.current().pid(), "out")
                .aluImm(LSH, R7, 32)
                .aluImm(RSH, R7, 32)
                .storeDwImm(R10, -8, 0)
                .loadMapFd(R1, array.fd().fd())
                .mov(R2, R10).aluImm(ADD, R2, -8)
                .call(MAP_LOOKUP_ELEM)
                .jumpImm(JEQ, R0, 0, "hash0")
                .loadDw(R1, R0, 0).aluImm(ADD, R1, 1).storeDw(R0, 0, R1);
        BpfMap[] hashes = {hash, lru};
        for (int i = 0; i < hashes.length; i++) {
            p.label("hash" + i)
                    .storeDw(R10, -16, R7)
                    .loadMapFd(R1, hashes[i].fd().fd())
                    .mov(R2, R10).aluImm(ADD, R2, -16)
                    .call(MAP_LOOKUP_ELEM)
                    .jumpImm(JEQ, R0, 0, "insert" + i)
                    .loadDw(R1, R0, 0).aluImm(ADD, R1, 1).storeDw(R0, 0, R1)
                    .ja(i + 1 < hashes.length ? "hash" + (i + 1) : "out")
                    .label("insert" + i)
                    .storeDwImm(R10, -24, 1)
                    .loadMapFd(R1, hashes[i].fd().fd())
                    .mov(R2, R10).aluImm(ADD, R2, -16)
                    .mov(R3, R10).aluImm(ADD, R3, -24)
                    .movImm(R4, 0)
                    .call(MAP_UPDATE_ELEM);
        }
        p.label("out").movImm(R0, 0).exit();
        OwnedFd prog = null;
        try {
            prog = RingBufferProducer.load(p.toBytes());
            OwnedFd link;
            try (BpfAttr.RawTracepointOpen attr = new BpfAttr.RawTracepointOpen()) {
                attr.name("sys_enter").progFd(prog.fd());
                link = Bpf.system().callForFd(attr, "raw tracepoint link sys_enter");
            }
            return new PerCpuCounterProgram(array, hash, lru, prog, link);
        } catch (RuntimeException e) {
            if (prog != null) {
                prog.close();
            }
            array.close();
            hash.close();
            lru.close();
            throw e;
        }
    }

    public BpfMap array() {
        return array;
    }

    public BpfMap hash() {
        return hash;
    }

    public BpfMap lru() {
        return lru;
    }

    public void trigger(int times) {
        for (int i = 0; i < times; i++) {
            ProcessCalls.getppid();
        }
    }

    @Override
    public void close() {
        link.close();
        program.close();
        array.close();
        hash.close();
        lru.close();
    }
}
