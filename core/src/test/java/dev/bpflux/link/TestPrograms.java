package dev.bpflux.link;

import static dev.bpflux.obj.Assembler.R0;
import static dev.bpflux.obj.Assembler.R1;
import static dev.bpflux.obj.Assembler.R10;
import static dev.bpflux.obj.Assembler.R2;
import static dev.bpflux.obj.Assembler.R7;

import dev.bpflux.map.BpfMap;
import dev.bpflux.map.MapCodec;
import dev.bpflux.map.MapDefinition;
import dev.bpflux.obj.MapType;
import dev.bpflux.obj.Assembler;
import dev.bpflux.sys.SyscallTrigger;
import java.util.Locale;

/** Hand-assembled programs and helpers shared by the link tests. */
final class TestPrograms {
    private TestPrograms() {
    }

    /** This process's id: the tgid a program sees in the upper half of get_current_pid_tgid(). */
    static final int PID = (int) ProcessHandle.current().pid();

    /** getppid's syscall number: 110 on x86_64, 173 on the generic table (aarch64). */
    static final int NR_GETPPID = switch (System.getProperty("os.arch").toLowerCase(Locale.ROOT)) {
        case "amd64", "x86_64" -> 110;
        default -> 173;
    };

    static BpfMap counter() {
        return BpfMap.create(MapDefinition.builder(MapType.ARRAY).keySize(4).valueSize(8).maxEntries(1)
                .name("hits").build());
    }

    static long read(BpfMap counter) {
        return MapCodec.NATIVE.toLong(counter.lookup(MapCodec.NATIVE.ofInt(0)));
    }

    /** Appends "counter[0] += 1" (9 instruction slots). */
    private static Assembler increment(Assembler i, int mapFd) {
        return i.storeImm32(R10, -4, 0)
                .movReg(R2, R10).addImm(R2, -4)
                .loadMapFd(R1, mapFd)
                .call(Assembler.FN_MAP_LOOKUP_ELEM)
                .jeqImm(R0, 0, 2)
                .movImm(R1, 1)
                .atomicAdd64(R0, 0, R1);
    }

    /** BPF_JMP | BPF_JNE | BPF_X: {@code if dst != src goto +off}. */
    private static final int JNE_REG = 0x5d;

    /**
     * What get_current_pid_tgid() returns on the calling thread: tgid << 32 | tid. The programs below
     * count one thread, the one that builds them and then triggers them: a JVM's other threads (GC,
     * JIT, the test runner's) make syscalls too, on the other CPU.
     */
    static long ownPidTgid() {
        return ((long) PID << 32) | (SyscallTrigger.gettid() & 0xffffffffL);
    }

    /** Appends "if get_current_pid_tgid() != this thread's: skip the next {@code skip} slots" (4 slots). */
    private static Assembler ifOwnThread(Assembler i, int skip) {
        return i.call(Assembler.FN_GET_CURRENT_PID_TGID)
                .loadImm64(R1, ownPidTgid())
                .raw(JNE_REG, R0, R1, skip, 0);
    }

    /** Counts hits from the calling thread only, returns {@code ret}. */
    static byte[] countOwnThread(int mapFd, int ret) {
        return increment(ifOwnThread(new Assembler(), 9), mapFd).movImm(R0, ret).exit().toBytes();
    }

    /**
     * For raw tracepoint sys_enter (ctx = u64 args[], args[1] = syscall nr): counts the calling
     * thread's calls of syscall {@code nr}.
     */
    static byte[] countOwnThreadSyscall(int mapFd, int nr) {
        Assembler i = new Assembler()
                .loadReg64(R2, R1, 8)
                .jneImm(R2, nr, 4 + 9);
        return increment(ifOwnThread(i, 9), mapFd).movImm(R0, 0).exit().toBytes();
    }

    /** Counts every hit, returns {@code ret}. */
    static byte[] countAll(int mapFd, int ret) {
        return increment(new Assembler(), mapFd).movImm(R0, ret).exit().toBytes();
    }

    /** Stores bpf_get_attach_cookie(ctx) into counter[0] for hits of this process. */
    static byte[] storeCookie(int mapFd) {
        return new Assembler()
                .call(Assembler.FN_GET_ATTACH_COOKIE)   // r1 is still ctx
                .movReg(R7, R0)
                .call(Assembler.FN_GET_CURRENT_PID_TGID)
                .rshImm(R0, 32)
                .jneImm(R0, PID, 8)
                .storeImm32(R10, -4, 0)
                .movReg(R2, R10).addImm(R2, -4)
                .loadMapFd(R1, mapFd)
                .call(Assembler.FN_MAP_LOOKUP_ELEM)
                .jeqImm(R0, 0, 1)
                .storeReg64(R0, 0, R7)
                .movImm(R0, 0)
                .exit()
                .toBytes();
    }
}
