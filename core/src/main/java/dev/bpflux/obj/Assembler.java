package dev.bpflux.obj;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A tiny BPF assembler for hand-written programs (feature probes, tests): each method appends one
 * 8-byte {@code struct bpf_insn} (or two for {@code ld_imm64}).
 *
 * <pre>struct bpf_insn { u8 code; u8 dst_reg:4, src_reg:4; s16 off; s32 imm; }</pre>
 * Register nibbles follow the CPU's bit-field order: dst in the low nibble on little-endian hosts.
 */
public final class Assembler {
    // Classes, sizes, modes and ops from linux/bpf_common.h and linux/bpf.h.
    static final int BPF_LD = 0x00;
    static final int BPF_LDX = 0x01;
    static final int BPF_ST = 0x02;
    static final int BPF_STX = 0x03;
    static final int BPF_ALU = 0x04;
    static final int BPF_JMP = 0x05;
    static final int BPF_ALU64 = 0x07;
    static final int BPF_W = 0x00;
    static final int BPF_H = 0x08;
    static final int BPF_B = 0x10;
    static final int BPF_DW = 0x18;
    static final int BPF_IMM = 0x00;
    static final int BPF_MEM = 0x60;
    static final int BPF_ATOMIC = 0xc0;
    static final int BPF_K = 0x00;
    static final int BPF_X = 0x08;
    static final int BPF_ADD = 0x00;
    static final int BPF_RSH = 0x70;
    static final int BPF_MOV = 0xb0;
    static final int BPF_JA = 0x00;
    static final int BPF_JEQ = 0x10;
    static final int BPF_JNE = 0x50;
    static final int BPF_CALL = 0x80;
    static final int BPF_EXIT = 0x90;

    /** src_reg of ld_imm64: imm is a map fd (BPF_PSEUDO_MAP_FD) or map fd + value offset (BPF_PSEUDO_MAP_VALUE). */
    public static final int BPF_PSEUDO_MAP_FD = 1;
    public static final int BPF_PSEUDO_MAP_VALUE = 2;

    /** Helper ids (enum bpf_func_id) the probes and tests use. */
    public static final int FN_MAP_LOOKUP_ELEM = 1;
    public static final int FN_MAP_UPDATE_ELEM = 2;
    public static final int FN_KTIME_GET_NS = 5;
    public static final int FN_GET_CURRENT_PID_TGID = 14;
    public static final int FN_GET_ATTACH_COOKIE = 174;

    public static final int R0 = 0;
    public static final int R1 = 1;
    public static final int R2 = 2;
    public static final int R3 = 3;
    public static final int R4 = 4;
    public static final int R5 = 5;
    public static final int R6 = 6;
    public static final int R7 = 7;
    public static final int R10 = 10;

    private ByteBuffer buf = ByteBuffer.allocate(64 * 8).order(ByteOrder.nativeOrder());

    /** Appends one raw instruction. */
    public Assembler raw(int code, int dst, int src, int off, int imm) {
        if (buf.remaining() < 8) {
            ByteBuffer bigger = ByteBuffer.allocate(buf.capacity() * 2).order(ByteOrder.nativeOrder());
            buf.flip();
            bigger.put(buf);
            buf = bigger;
        }
        int regs = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? (dst & 0xf) | ((src & 0xf) << 4)
                : ((dst & 0xf) << 4) | (src & 0xf);
        buf.put((byte) code).put((byte) regs).putShort((short) off).putInt(imm);
        return this;
    }

    /** {@code dst = imm} (64-bit). */
    public Assembler movImm(int dst, int imm) {
        return raw(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm);
    }

    /** {@code dst = src} (64-bit). */
    public Assembler movReg(int dst, int src) {
        return raw(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0);
    }

    /** {@code dst += imm} (64-bit). */
    public Assembler addImm(int dst, int imm) {
        return raw(BPF_ALU64 | BPF_ADD | BPF_K, dst, 0, 0, imm);
    }

    /** {@code dst >>= imm} (64-bit, logical). */
    public Assembler rshImm(int dst, int imm) {
        return raw(BPF_ALU64 | BPF_RSH | BPF_K, dst, 0, 0, imm);
    }

    /** {@code *(u32 *)(dst + off) = imm}. */
    public Assembler storeImm32(int dst, int off, int imm) {
        return raw(BPF_ST | BPF_MEM | BPF_W, dst, 0, off, imm);
    }

    /** {@code *(u64 *)(dst + off) = src}. */
    public Assembler storeReg64(int dst, int off, int src) {
        return raw(BPF_STX | BPF_MEM | BPF_DW, dst, src, off, 0);
    }

    /** {@code dst = *(u64 *)(src + off)}. */
    public Assembler loadReg64(int dst, int src, int off) {
        return raw(BPF_LDX | BPF_MEM | BPF_DW, dst, src, off, 0);
    }

    /** {@code lock *(u64 *)(dst + off) += src} (atomic add, BPF_ATOMIC with imm BPF_ADD). */
    public Assembler atomicAdd64(int dst, int off, int src) {
        return raw(BPF_STX | BPF_ATOMIC | BPF_DW, dst, src, off, BPF_ADD);
    }

    /** {@code dst = map} as a ld_imm64 with BPF_PSEUDO_MAP_FD: the verifier swaps the fd for the map. */
    public Assembler loadMapFd(int dst, int mapFd) {
        raw(BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_MAP_FD, 0, mapFd);
        return raw(0, 0, 0, 0, 0);
    }

    /** {@code dst = imm64} as a ld_imm64. */
    public Assembler loadImm64(int dst, long imm) {
        raw(BPF_LD | BPF_DW | BPF_IMM, dst, 0, 0, (int) imm);
        return raw(0, 0, 0, 0, (int) (imm >>> 32));
    }

    /** {@code if dst == imm goto +off}. */
    public Assembler jeqImm(int dst, int imm, int off) {
        return raw(BPF_JMP | BPF_JEQ | BPF_K, dst, 0, off, imm);
    }

    /** {@code if dst != imm goto +off}. */
    public Assembler jneImm(int dst, int imm, int off) {
        return raw(BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm);
    }

    /** Calls helper {@code id}. */
    public Assembler call(int helperId) {
        return raw(BPF_JMP | BPF_CALL, 0, 0, 0, helperId);
    }

    /** {@code return r0}. */
    public Assembler exit() {
        return raw(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
    }

    /** The instructions so far, 8 bytes each. */
    public byte[] toBytes() {
        byte[] out = new byte[buf.position()];
        buf.duplicate().flip().get(out);
        return out;
    }

    /** {@code r0 = value; exit}: the smallest valid program. */
    public static byte[] returnImm(int value) {
        return new Assembler().movImm(R0, value).exit().toBytes();
    }

    /**
     * Adds 1 to the u64 at key 0 of array map {@code mapFd} (4-byte keys, 8-byte values) and
     * returns {@code ret}: {@code key = 0; v = map_lookup_elem(map, &key); if (v) lock *v += 1}.
     */
    public static byte[] countIntoArray(int mapFd, int ret) {
        return new Assembler()
                .storeImm32(R10, -4, 0)          // u32 key = 0 on the stack
                .movReg(R2, R10).addImm(R2, -4)  // r2 = &key
                .loadMapFd(R1, mapFd)            // r1 = map
                .call(FN_MAP_LOOKUP_ELEM)        // r0 = value pointer or NULL
                .jeqImm(R0, 0, 2)
                .movImm(R1, 1)
                .atomicAdd64(R0, 0, R1)
                .movImm(R0, ret)
                .exit()
                .toBytes();
    }
}
