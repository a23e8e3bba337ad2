package dev.bpflux.reactor.testing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A few eBPF instructions, encoded by hand, for test producer programs while the object loader is
 * not there. Encoding (include/uapi/linux/bpf.h, struct bpf_insn): u8 code; u8 dst_reg:4,
 * src_reg:4 (dst in the low nibble on little-endian); s16 off; s32 imm. Jumps take a label and are
 * resolved by {@link #toBytes()}: their offset counts instructions after the jump.
 */
public final class BpfInstructions {
    // instruction classes, sources, operations, sizes, modes
    private static final int LD = 0x00, LDX = 0x01, ST = 0x02, STX = 0x03, ALU = 0x04, JMP = 0x05, ALU64 = 0x07;
    private static final int K = 0x00, X = 0x08;
    private static final int DW = 0x18, MEM = 0x60, IMM = 0x00;
    public static final int ADD = 0x00, SUB = 0x10, MUL = 0x20, DIV = 0x30, AND = 0x50, LSH = 0x60, RSH = 0x70,
            MOD = 0x90, MOV = 0xb0;
    public static final int JEQ = 0x10, JNE = 0x50, JLT = 0xa0, JGE = 0x30;
    private static final int JA = 0x00, CALL = 0x80, EXIT = 0x90;
    /** ld_imm64 src_reg values: the imm is a map fd, or a map fd plus an offset into its value. */
    private static final int PSEUDO_MAP_FD = 1, PSEUDO_MAP_VALUE = 2, PSEUDO_FUNC = 4;

    // helper function ids (enum bpf_func_id)
    public static final int MAP_LOOKUP_ELEM = 1, MAP_UPDATE_ELEM = 2, KTIME_GET_NS = 5, GET_SMP_PROCESSOR_ID = 8,
            GET_CURRENT_PID_TGID = 14, PERF_EVENT_OUTPUT = 25, RINGBUF_OUTPUT = 130, RINGBUF_RESERVE = 131,
            RINGBUF_SUBMIT = 132, RINGBUF_DISCARD = 133, LOOP = 181;

    public static final int R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5, R6 = 6, R7 = 7, R8 = 8, R9 = 9, R10 = 10;

    private final List<long[]> insns = new ArrayList<>(); // {code, dst, src, off, imm, labelRef}
    private final List<String> jumpTargets = new ArrayList<>();
    private final Map<String, Integer> labels = new HashMap<>();

    private BpfInstructions add(int code, int dst, int src, int off, int imm, String target) {
        insns.add(new long[] {code, dst, src, off, imm});
        jumpTargets.add(target);
        return this;
    }

    public BpfInstructions label(String name) {
        if (labels.put(name, insns.size()) != null) {
            throw new IllegalArgumentException("label defined twice: " + name);
        }
        return this;
    }

    public BpfInstructions movImm(int dst, int imm) {
        return add(ALU64 | MOV | K, dst, 0, 0, imm, null);
    }

    /** 32-bit move: the upper half of dst becomes zero (mov32Imm(r, -1) gives 0xffffffff). */
    public BpfInstructions mov32Imm(int dst, int imm) {
        return add(ALU | MOV | K, dst, 0, 0, imm, null);
    }

    public BpfInstructions mov(int dst, int src) {
        return add(ALU64 | MOV | X, dst, src, 0, 0, null);
    }

    public BpfInstructions aluImm(int op, int dst, int imm) {
        return add(ALU64 | op | K, dst, 0, 0, imm, null);
    }

    public BpfInstructions alu(int op, int dst, int src) {
        return add(ALU64 | op | X, dst, src, 0, 0, null);
    }

    /** dst = *(u64 *)(src + off) */
    public BpfInstructions loadDw(int dst, int src, int off) {
        return add(LDX | MEM | DW, dst, src, off, 0, null);
    }

    /** *(u64 *)(dst + off) = src */
    public BpfInstructions storeDw(int dst, int off, int src) {
        return add(STX | MEM | DW, dst, src, off, 0, null);
    }

    /** *(u64 *)(dst + off) = imm */
    public BpfInstructions storeDwImm(int dst, int off, int imm) {
        return add(ST | MEM | DW, dst, 0, off, imm, null);
    }

    /** dst = the map with this fd (for helpers taking a map). */
    public BpfInstructions loadMapFd(int dst, int fd) {
        add(LD | DW | IMM, dst, PSEUDO_MAP_FD, 0, fd, null);
        return add(0, 0, 0, 0, 0, null);
    }

    /** dst = address of byte {@code offset} of element 0 of the array map with this fd. */
    public BpfInstructions loadMapValue(int dst, int fd, int offset) {
        add(LD | DW | IMM, dst, PSEUDO_MAP_VALUE, 0, fd, null);
        return add(0, 0, 0, 0, offset, null);
    }

    /** dst = the subprogram at {@code label} (a callback for bpf_loop); imm counts instructions after this one. */
    public BpfInstructions loadFunc(int dst, String label) {
        add(LD | DW | IMM, dst, PSEUDO_FUNC, 0, 0, "imm:" + label);
        return add(0, 0, 0, 0, 0, null);
    }

    public BpfInstructions jumpImm(int op, int dst, int imm, String target) {
        return add(JMP | op | K, dst, 0, 0, imm, target);
    }

    public BpfInstructions jump(int op, int dst, int src, String target) {
        return add(JMP | op | X, dst, src, 0, 0, target);
    }

    public BpfInstructions ja(String target) {
        return add(JMP | JA, 0, 0, 0, 0, target);
    }

    public BpfInstructions call(int helper) {
        return add(JMP | CALL, 0, 0, 0, helper, null);
    }

    public BpfInstructions exit() {
        return add(JMP | EXIT, 0, 0, 0, 0, null);
    }

    /** The instruction index of {@code label}. */
    public int labelIndex(String label) {
        Integer at = labels.get(label);
        if (at == null) {
            throw new IllegalArgumentException("undefined label " + label);
        }
        return at;
    }

    public int count() {
        return insns.size();
    }

    /** The program as little-endian {@code struct bpf_insn}s. */
    public byte[] toBytes() {
        ByteBuffer out = ByteBuffer.allocate(insns.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < insns.size(); i++) {
            long[] in = insns.get(i);
            int off = (int) in[3];
            int imm = (int) in[4];
            String target = jumpTargets.get(i);
            if (target != null) {
                boolean toImm = target.startsWith("imm:");
                Integer at = labels.get(toImm ? target.substring(4) : target);
                if (at == null) {
                    throw new IllegalStateException("undefined label " + target);
                }
                if (toImm) {
                    imm = at - i - 1;
                } else {
                    off = at - i - 1;
                }
            }
            out.put((byte) in[0]);
            out.put((byte) ((in[1] & 0xf) | ((in[2] & 0xf) << 4)));
            out.putShort((short) off);
            out.putInt(imm);
        }
        return out.array();
    }
}
