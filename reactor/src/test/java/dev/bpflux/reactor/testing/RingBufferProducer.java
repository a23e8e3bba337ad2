package dev.bpflux.reactor.testing;

import static dev.bpflux.reactor.testing.BpfInstructions.*;

import com.sun.jna.Memory;
import dev.bpflux.BpfVerifierException;
import dev.bpflux.map.BpfMap;
import dev.bpflux.map.MapDefinition;
import dev.bpflux.obj.MapType;
import dev.bpflux.sys.Bpf;
import dev.bpflux.sys.BpfAttr;
import dev.bpflux.sys.Errno;
import dev.bpflux.sys.OwnedFd;
import dev.bpflux.sys.ProcessCalls;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A ring buffer producer assembled by hand (the object loader is not there yet), with the same
 * record and counters as {@code src/test/bpf/ringbuf_producer.bpf.c}: on each getpgid(2) of
 * process {@code tgid} it writes {@code batch} 16-byte records {@code {u64 seq; u64 ts}} into
 * its ring, counting in a one-element array map {@code state}: next_seq, produced, dropped
 * (reserve failed: ring full), discarded (every {@code discardEvery}-th seq, when asked).
 *
 * <p>Counters are updated without atomics: one thread triggers at a time in every test.
 *
 * <p>Attached as a raw tracepoint on {@code sys_enter} (one fd for all CPUs, no perf event per
 * CPU) filtering syscall number 121 (getpgid on x86_64).
 */
public final class RingBufferProducer implements AutoCloseable {
    private static final int SYS_GETPGID_X86_64 = 121;
    private static final int PROG_TYPE_RAW_TRACEPOINT = 17;
    public static final int RECORD_SIZE = 16;

    private final BpfMap ring;
    private final BpfMap state;
    private final OwnedFd program;
    private final OwnedFd link;
    private final int batch;

    private RingBufferProducer(BpfMap ring, BpfMap state, OwnedFd program, OwnedFd link, int batch) {
        this.ring = ring;
        this.state = state;
        this.program = program;
        this.link = link;
        this.batch = batch;
    }

    /** A producer into a new ring of {@code ringSize} bytes, emitting {@code batch} records per trigger. */
    public static RingBufferProducer create(int ringSize, int batch) {
        return create(ringSize, batch, 0, 0);
    }

    /**
     * @param discardEvery when positive, records with {@code seq % discardEvery == discardEvery - 1}
     *     are reserved, then discarded
     * @param wakeupFlags flags for submit/discard: 0 adaptive, 1 BPF_RB_NO_WAKEUP, 2 BPF_RB_FORCE_WAKEUP
     */
    public static RingBufferProducer create(int ringSize, int batch, int discardEvery, int wakeupFlags) {
        BpfMap ring = BpfMap.create(MapDefinition.builder(MapType.RINGBUF).keySize(0).valueSize(0)
                .maxEntries(ringSize).name("test_rb").build());
        BpfMap state = null;
        OwnedFd prog = null;
        try {
            state = BpfMap.create(MapDefinition.builder(MapType.ARRAY).keySize(4).valueSize(32)
                    .maxEntries(1).name("test_state").build());
            BpfInstructions insns = program(ring.fd().fd(), state.fd().fd(), (int) ProcessHandle.current().pid(), batch,
                    discardEvery, wakeupFlags);
            prog = load(insns.toBytes(), insns.labelIndex("emit"));
            OwnedFd link;
            try (BpfAttr.RawTracepointOpen attr = new BpfAttr.RawTracepointOpen()) {
                attr.name("sys_enter").progFd(prog.fd());
                link = Bpf.system().callForFd(attr, "raw tracepoint link sys_enter");
            }
            return new RingBufferProducer(ring, state, prog, link, batch);
        } catch (RuntimeException e) {
            if (prog != null) {
                prog.close();
            }
            if (state != null) {
                state.close();
            }
            ring.close();
            throw e;
        }
    }

    /**
     * The program: filters, then {@code bpf_loop(batch, emit, &state, 0)} (Linux 5.17; the verifier
     * inlines it), like ringbuf_producer.bpf.c, so the producer side costs what the libbpf
     * baseline's does. {@code emit} gets (a stack slot holding) the state map value pointer as its context.
     */
    static BpfInstructions program(int ringFd, int stateFd, int tgid, int batch, int discardEvery, int wakeupFlags) {
        BpfInstructions p = new BpfInstructions()
                .mov(R6, R1)
                .loadDw(R2, R6, 8) // bpf_raw_tracepoint_args.args[1]: the syscall number
                .jumpImm(JNE, R2, SYS_GETPGID_X86_64, "out")
                .call(GET_CURRENT_PID_TGID)
                .aluImm(RSH, R0, 32)
                .jumpImm(JNE, R0, tgid, "out")
                .movImm(R1, batch)
                .loadFunc(R2, "emit")
                // bpf_loop's context must be on the stack: pass a pointer to a spilled state pointer
                .loadMapValue(R3, stateFd, 0)
                .storeDw(R10, -8, R3)
                .mov(R3, R10).aluImm(ADD, R3, -8)
                .movImm(R4, 0)
                .call(LOOP)
                .label("out")
                .movImm(R0, 0)
                .exit()
                // static long emit(u32 index, struct state *st)
                .label("emit")
                .loadDw(R9, R2, 0)
                .loadMapFd(R1, ringFd)
                .movImm(R2, RECORD_SIZE)
                .movImm(R3, 0)
                .call(RINGBUF_RESERVE)
                .jumpImm(JEQ, R0, 0, "drop")
                .mov(R8, R0)
                .loadDw(R1, R9, 0)
                .storeDw(R8, 0, R1)
                .mov(R2, R1)
                .aluImm(ADD, R2, 1)
                .storeDw(R9, 0, R2);
        if (discardEvery > 0) {
            p.aluImm(MOD, R1, discardEvery).jumpImm(JEQ, R1, discardEvery - 1, "discard");
        }
        p.call(KTIME_GET_NS)
                .storeDw(R8, 8, R0)
                .mov(R1, R8)
                .movImm(R2, wakeupFlags)
                .call(RINGBUF_SUBMIT)
                .loadDw(R1, R9, 8).aluImm(ADD, R1, 1).storeDw(R9, 8, R1)
                .ja("next");
        if (discardEvery > 0) {
            p.label("discard")
                    .mov(R1, R8)
                    .movImm(R2, wakeupFlags)
                    .call(RINGBUF_DISCARD)
                    .loadDw(R1, R9, 24).aluImm(ADD, R1, 1).storeDw(R9, 24, R1)
                    .ja("next");
        }
        p.label("drop")
                .loadDw(R1, R9, 0).aluImm(ADD, R1, 1).storeDw(R9, 0, R1)
                .loadDw(R1, R9, 16).aluImm(ADD, R1, 1).storeDw(R9, 16, R1)
                .label("next")
                .movImm(R0, 0)
                .exit();
        return p;
    }

    /** Loads a raw tracepoint program without subprograms. */
    static OwnedFd load(byte[] insns) {
        return load(insns, -1);
    }

    /** Loads a raw tracepoint program; {@code callbackAt} is the first instruction of its one callback, or -1. */
    static OwnedFd load(byte[] insns, int callbackAt) {
        Memory code = new Memory(insns.length);
        code.write(0, insns, 0, insns.length);
        Memory log = new Memory(1 << 20);
        log.setByte(0, (byte) 0);
        try (BpfAttr.ProgLoad attr = new BpfAttr.ProgLoad()) {
            attr.progType(PROG_TYPE_RAW_TRACEPOINT).insns(code, insns.length / 8).license("GPL")
                    .log(log, (int) log.size(), 1).progName("test_producer");
            OwnedFd btf = null;
            Memory funcInfo = null;
            if (callbackAt >= 0) {
                btf = MinimalBtf.load(MinimalBtf.bytes("produce", "emit"));
                funcInfo = new Memory(16);
                funcInfo.setInt(0, 0);
                funcInfo.setInt(4, MinimalBtf.MAIN_FUNC);
                funcInfo.setInt(8, callbackAt);
                funcInfo.setInt(12, MinimalBtf.CALLBACK_FUNC);
                attr.progBtfFd(btf.fd()).funcInfo(funcInfo, 8, 2);
            }
            int r;
            try {
                r = Bpf.system().tryCall(attr);
            } finally {
                if (btf != null) {
                    btf.close(); // the loaded program holds its own reference
                }
            }
            if (r < 0) {
                throw new BpfVerifierException("test_producer", -r, Errno.name(-r), log.getString(0));
            }
            return OwnedFd.adopt(r, "program test_producer");
        }
    }

    public BpfMap ring() {
        return ring;
    }

    /** The counters: one array element {u64 next_seq, produced, dropped, discarded}. */
    public BpfMap state() {
        return state;
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

    private long counter(int offset) {
        byte[] v = state.lookup(new byte[4]);
        return ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getLong(offset);
    }

    /** Sequence numbers handed out: produced + dropped + discarded. */
    public long nextSeq() {
        return counter(0);
    }

    public long produced() {
        return counter(8);
    }

    public long dropped() {
        return counter(16);
    }

    public long discarded() {
        return counter(24);
    }

    @Override
    public void close() {
        link.close();
        program.close();
        state.close();
        ring.close();
    }
}
