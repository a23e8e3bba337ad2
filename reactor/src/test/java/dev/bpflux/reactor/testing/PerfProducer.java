package dev.bpflux.reactor.testing;

import static dev.bpflux.reactor.testing.BpfInstructions.*;

import dev.bpflux.kernel.PossibleCpus;
import dev.bpflux.map.BpfMap;
import dev.bpflux.map.MapDefinition;
import dev.bpflux.obj.MapType;
import dev.bpflux.sys.Bpf;
import dev.bpflux.sys.BpfAttr;
import dev.bpflux.sys.OwnedFd;
import dev.bpflux.sys.ProcessCalls;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A perf event array producer assembled by hand, like {@code src/test/bpf/perf_producer.bpf.c}:
 * on each getpgid(2) of this process it writes {@code batch} records {@code {u64 seq; u64 ts}}
 * with {@code bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, ...)}, counting in
 * {@code state}: next_seq, produced (outputs that succeeded), failed (outputs that failed: the
 * CPU's buffer was full, or no perf event for the CPU).
 */
public final class PerfProducer implements AutoCloseable {
    private static final int SYS_GETPGID_X86_64 = 121;

    private final BpfMap events;
    private final BpfMap state;
    private final OwnedFd program;
    private final OwnedFd link;

    private PerfProducer(BpfMap events, BpfMap state, OwnedFd program, OwnedFd link) {
        this.events = events;
        this.state = state;
        this.program = program;
        this.link = link;
    }

    public static PerfProducer create(int batch) {
        BpfMap events = BpfMap.create(MapDefinition.builder(MapType.PERF_EVENT_ARRAY).keySize(4).valueSize(4)
                .maxEntries(PossibleCpus.system().count()).name("test_events").build());
        BpfMap state = BpfMap.create(MapDefinition.builder(MapType.ARRAY).keySize(4).valueSize(24)
                .maxEntries(1).name("test_pstate").build());
        BpfInstructions p = new BpfInstructions()
                .mov(R6, R1)
                .loadDw(R2, R6, 8)
                .jumpImm(JNE, R2, SYS_GETPGID_X86_64, "out")
                .call(GET_CURRENT_PID_TGID)
                .aluImm(RSH, R0, 32)
                .jumpImm(JNE, R0, (int) ProcessHandle.current().pid(), "out")
                .loadMapValue(R9, state.fd().fd(), 0)
                .movImm(R7, 0)
                .label("loop")
                .loadDw(R1, R9, 0)
                .storeDw(R10, -16, R1)
                .aluImm(ADD, R1, 1)
                .storeDw(R9, 0, R1)
                .call(KTIME_GET_NS)
                .storeDw(R10, -8, R0)
                .mov(R1, R6)
                .loadMapFd(R2, events.fd().fd())
                .mov32Imm(R3, -1) // BPF_F_CURRENT_CPU
                .mov(R4, R10).aluImm(ADD, R4, -16)
                .movImm(R5, 16)
                .call(PERF_EVENT_OUTPUT)
                .jumpImm(JNE, R0, 0, "failed")
                .loadDw(R1, R9, 8).aluImm(ADD, R1, 1).storeDw(R9, 8, R1)
                .ja("next")
                .label("failed")
                .loadDw(R1, R9, 16).aluImm(ADD, R1, 1).storeDw(R9, 16, R1)
                .label("next")
                .aluImm(ADD, R7, 1)
                .jumpImm(JLT, R7, batch, "loop")
                .label("out")
                .movImm(R0, 0)
                .exit();
        OwnedFd prog = null;
        try {
            prog = RingBufferProducer.load(p.toBytes());
            OwnedFd link;
            try (BpfAttr.RawTracepointOpen attr = new BpfAttr.RawTracepointOpen()) {
                attr.name("sys_enter").progFd(prog.fd());
                link = Bpf.system().callForFd(attr, "raw tracepoint link sys_enter");
            }
            return new PerfProducer(events, state, prog, link);
        } catch (RuntimeException e) {
            if (prog != null) {
                prog.close();
            }
            state.close();
            events.close();
            throw e;
        }
    }

    public BpfMap events() {
        return events;
    }

    public void trigger(int times) {
        for (int i = 0; i < times; i++) {
            ProcessCalls.getpgid(0);
        }
    }

    private long counter(int offset) {
        return ByteBuffer.wrap(state.lookup(new byte[4])).order(ByteOrder.nativeOrder()).getLong(offset);
    }

    public long nextSeq() {
        return counter(0);
    }

    public long produced() {
        return counter(8);
    }

    public long failed() {
        return counter(16);
    }

    @Override
    public void close() {
        link.close();
        program.close();
        state.close();
        events.close();
    }
}
