package dev.bpflux.obj;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An immutable sequence of raw 8-byte BPF instructions ({@code struct bpf_insn}), each held as a
 * little-endian {@code long}: byte 0 opcode, byte 1 dst_reg (low nibble) and src_reg (high nibble),
 * bytes 2-3 the signed offset, bytes 4-7 the signed immediate. A {@code ld_imm64}
 * ({@code BPF_LD | BPF_IMM | BPF_DW}, opcode 0x18) takes two slots; the second holds the upper 32 bits
 * of the immediate.
 */
public final class Instructions {
    public static final int INSN_SIZE = 8;

    /** {@code BPF_LD | BPF_IMM | BPF_DW}. */
    public static final int OP_LD_IMM64 = 0x18;
    /** {@code BPF_JMP | BPF_CALL}. */
    public static final int OP_CALL = 0x85;
    /** {@code BPF_JMP | BPF_EXIT}. */
    public static final int OP_EXIT = 0x95;

    /** src_reg of a call to another BPF function ({@code BPF_PSEUDO_CALL}). */
    public static final int PSEUDO_CALL = 1;
    /** src_reg of a kfunc call ({@code BPF_PSEUDO_KFUNC_CALL}, Linux 5.13). */
    public static final int PSEUDO_KFUNC_CALL = 2;
    /** src_reg of ld_imm64 with a map fd ({@code BPF_PSEUDO_MAP_FD}). */
    public static final int PSEUDO_MAP_FD = 1;
    /** src_reg of ld_imm64 with a map fd plus value offset ({@code BPF_PSEUDO_MAP_VALUE}, Linux 5.2). */
    public static final int PSEUDO_MAP_VALUE = 2;
    /** src_reg of ld_imm64 with a kernel variable's BTF id ({@code BPF_PSEUDO_BTF_ID}, Linux 5.10). */
    public static final int PSEUDO_BTF_ID = 3;
    /** src_reg of ld_imm64 with a BPF function's address ({@code BPF_PSEUDO_FUNC}, Linux 5.13). */
    public static final int PSEUDO_FUNC = 4;

    private static final Instructions EMPTY = new Instructions(new long[0]);

    private final long[] insns;

    private Instructions(long[] insns) {
        this.insns = insns;
    }

    /** Copies {@code raw}. */
    public static Instructions of(long... raw) {
        return raw.length == 0 ? EMPTY : new Instructions(raw.clone());
    }

    /** Decodes little-endian instructions from {@code buf}'s remaining bytes (a multiple of 8). */
    public static Instructions decode(ByteBuffer buf) {
        ByteBuffer b = buf.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() % INSN_SIZE != 0) {
            throw new IllegalArgumentException(b.remaining() + " bytes is not a whole number of instructions");
        }
        long[] out = new long[b.remaining() / INSN_SIZE];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getLong(i * INSN_SIZE);
        }
        return new Instructions(out);
    }

    public static Instructions empty() {
        return EMPTY;
    }

    /** Number of 8-byte slots (a ld_imm64 counts as two). */
    public int size() {
        return insns.length;
    }

    /** The raw instruction at slot {@code i}. */
    public long raw(int i) {
        return insns[i];
    }

    public int opcode(int i) {
        return opcode(insns[i]);
    }

    public int dst(int i) {
        return dst(insns[i]);
    }

    public int src(int i) {
        return src(insns[i]);
    }

    public short off(int i) {
        return off(insns[i]);
    }

    public int imm(int i) {
        return imm(insns[i]);
    }

    /** Whether slot {@code i} starts a two-slot ld_imm64. */
    public boolean isLdImm64(int i) {
        return opcode(insns[i]) == OP_LD_IMM64;
    }

    /** The 64-bit immediate of the ld_imm64 at slot {@code i} (needs slot {@code i + 1}). */
    public long imm64(int i) {
        return Integer.toUnsignedLong(imm(insns[i])) | ((long) imm(insns[i + 1]) << 32);
    }

    /** Whether slot {@code i} is a call to another BPF function. */
    public boolean isPseudoCall(int i) {
        return opcode(insns[i]) == OP_CALL && src(insns[i]) == PSEUDO_CALL;
    }

    /** Slots {@code [from, to)} as a new sequence. */
    public Instructions slice(int from, int to) {
        return new Instructions(Arrays.copyOfRange(insns, from, to));
    }

    /** A copy of the raw instructions for the loader to patch. */
    public long[] toLongArray() {
        return insns.clone();
    }

    /** The little-endian encoding the kernel's {@code BPF_PROG_LOAD} expects. */
    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(insns.length * INSN_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (long insn : insns) {
            b.putLong(insn);
        }
        return b.array();
    }

    public static int opcode(long insn) {
        return (int) (insn & 0xff);
    }

    public static int dst(long insn) {
        return (int) ((insn >>> 8) & 0xf);
    }

    public static int src(long insn) {
        return (int) ((insn >>> 12) & 0xf);
    }

    public static short off(long insn) {
        return (short) (insn >>> 16);
    }

    public static int imm(long insn) {
        return (int) (insn >>> 32);
    }

    /** Encodes one instruction. */
    public static long encode(int opcode, int dst, int src, int off, int imm) {
        return (opcode & 0xffL) | ((dst & 0xfL) << 8) | ((src & 0xfL) << 12) | ((off & 0xffffL) << 16)
                | ((long) imm << 32);
    }

    /** {@code insn} with its immediate replaced. */
    public static long withImm(long insn, int imm) {
        return (insn & 0xffffffffL) | ((long) imm << 32);
    }

    /** {@code insn} with its src_reg replaced. */
    public static long withSrc(long insn, int src) {
        return (insn & ~0xf000L) | ((src & 0xfL) << 12);
    }

    /** {@code insn} with its offset replaced. */
    public static long withOff(long insn, int off) {
        return (insn & ~0xffff0000L) | ((off & 0xffffL) << 16);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Instructions && Arrays.equals(insns, ((Instructions) o).insns);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(insns);
    }

    @Override
    public String toString() {
        return "Instructions[" + insns.length + "]";
    }
}
