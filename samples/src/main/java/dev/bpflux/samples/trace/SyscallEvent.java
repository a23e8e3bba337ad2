package dev.bpflux.samples.trace;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * One event of {@code syscall_trace.bpf.c}: 352 little-endian bytes at fixed offsets (see the
 * table in that file): u64 ts_ns @0, u32 pid @8, u32 tid @12, u32 uid @16, s32 syscall_nr @20,
 * u64 args[6] @24, char comm[16] @72, u16 kind @88, u16 str_len @90, char str[256] @96.
 */
public record SyscallEvent(long timestampNanos, int pid, int tid, int uid, int syscall, long[] args, String comm,
        int kind, String detail) {
    static final int SIZE = 352;
    public static final int OTHER = 0, OPENAT = 1, EXECVE = 2, WRITE = 3, CONNECT = 4, KILL = 5;

    /** Decodes a record view (copies what it keeps: the view is only valid during the call). */
    public static SyscallEvent decode(ByteBuf r) {
        if (r.readableBytes() < SIZE) {
            throw new IllegalArgumentException("syscall event of " + r.readableBytes() + " bytes, expected " + SIZE
                    + ": is syscall_trace.bpf.o from the same version as this sample?");
        }
        int base = r.readerIndex();
        long[] args = new long[6];
        for (int i = 0; i < 6; i++) {
            args[i] = r.getLongLE(base + 24 + 8 * i);
        }
        int kind = r.getUnsignedShortLE(base + 88);
        int strLen = Math.min(r.getUnsignedShortLE(base + 90), 256);
        String detail;
        if (kind == CONNECT) {
            detail = sockaddr(r, base + 96, strLen);
        } else {
            int n = strLen > 0 && r.getByte(base + 96 + strLen - 1) == 0 ? strLen - 1 : strLen;
            detail = r.toString(base + 96, n, StandardCharsets.UTF_8);
        }
        return new SyscallEvent(r.getLongLE(base), r.getIntLE(base + 8), r.getIntLE(base + 12), r.getIntLE(base + 16),
                r.getIntLE(base + 20), args, cString(r, base + 72, 16), kind, detail);
    }

    private static String cString(ByteBuf r, int at, int max) {
        int n = 0;
        while (n < max && r.getByte(at + n) != 0) {
            n++;
        }
        return r.toString(at, n, StandardCharsets.UTF_8);
    }

    /** AF_INET (2) and AF_INET6 (10) as address:port, else the family number. */
    private static String sockaddr(ByteBuf r, int at, int len) {
        if (len < 2) {
            return "";
        }
        int family = r.getUnsignedShortLE(at);
        if (family == 2 && len >= 8) {
            int port = r.getUnsignedShort(at + 2);
            return (r.getUnsignedByte(at + 4)) + "." + r.getUnsignedByte(at + 5) + "." + r.getUnsignedByte(at + 6) + "."
                    + r.getUnsignedByte(at + 7) + ":" + port;
        }
        if (family == 10 && len >= 24) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < 8; i++) {
                sb.append(i == 0 ? "" : ":").append(Integer.toHexString(r.getUnsignedShort(at + 8 + 2 * i)));
            }
            return sb.append("]:").append(r.getUnsignedShort(at + 2)).toString();
        }
        return family == 1 ? "unix" : "family " + family;
    }

    /** The syscall's name ({@code openat}), or {@code syscall_N} where this sample does not know it. */
    public String syscallName() {
        return SyscallNames.name(syscall);
    }

    /** One line: pid, comm, syscall and arguments. */
    public String format() {
        String name = SyscallNames.name(syscall);
        String a = switch (kind) {
            case OPENAT -> "dfd=" + (int) args[0] + ", \"" + detail + "\", flags=0x" + Long.toHexString(args[2]);
            case EXECVE -> "\"" + detail + "\"";
            case WRITE -> "fd=" + (int) args[0] + ", count=" + args[2];
            case CONNECT -> "fd=" + (int) args[0] + ", " + detail;
            case KILL -> "pid=" + (int) args[0] + ", sig=" + (int) args[1];
            default -> String.format("0x%x, 0x%x, 0x%x, 0x%x, 0x%x, 0x%x", args[0], args[1], args[2], args[3],
                    args[4], args[5]);
        };
        return String.format("%7d %7d %-16s %s(%s)", pid, tid, comm, name, a);
    }
}
