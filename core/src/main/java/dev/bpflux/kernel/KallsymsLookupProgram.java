package dev.bpflux.kernel;

import com.sun.jna.Memory;
import dev.bpflux.obj.Instructions;
import dev.bpflux.sys.Bpf;
import dev.bpflux.sys.BpfAttr;
import dev.bpflux.sys.BpfCommand;
import dev.bpflux.sys.Errno;
import dev.bpflux.sys.OwnedFd;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Looks kernel symbols up one by one with the kernel's own {@code kallsyms_lookup_name()}, called from a
 * tiny BPF program instead of reading all of {@code /proc/kallsyms}: the kernel formats ~120k lines
 * (tens of milliseconds of kernel CPU) for every full read, while a lookup costs microseconds.
 *
 * <p>The program is a {@code BPF_PROG_TYPE_SYSCALL} (Linux 5.14, sleepable, run with BPF_PROG_TEST_RUN)
 * calling {@code bpf_kallsyms_lookup_name(name, size, 0, &addr)} (helper 179, Linux 5.16); the name sits
 * in a one-entry array map, the result comes back in the context. This is how libbpf's light skeletons
 * resolve {@code __ksym}s. The helper refuses (EPERM) when kptr_restrict would hide addresses from this
 * process, and it returns the first of several static symbols of the same name where a full scan would
 * see them all; {@link KallsymsReader} then falls back to scanning the file, which explains restrictions
 * and reports ambiguity.
 */
final class KallsymsLookupProgram implements AutoCloseable {
    /** {@code BPF_PROG_TYPE_SYSCALL}. */
    private static final int PROG_TYPE_SYSCALL = 31;
    /** {@code BPF_F_SLEEPABLE}: syscall programs must be sleepable. */
    private static final int F_SLEEPABLE = 1 << 4;
    /** {@code BPF_MAP_TYPE_ARRAY}. */
    private static final int MAP_TYPE_ARRAY = 2;
    /** {@code BPF_FUNC_map_lookup_elem}, {@code BPF_FUNC_kallsyms_lookup_name}. */
    private static final int HELPER_MAP_LOOKUP = 1;
    private static final int HELPER_KALLSYMS_LOOKUP_NAME = 179;
    /** KSYM_NAME_LEN since Linux 6.1; longer names do not exist. */
    static final int NAME_MAX = 512;
    /** Context: 0 u64 address (out), 8 u32 name size incl. NUL (in), 16 s64 helper result (out). */
    private static final int CTX_SIZE = 24;

    private final Bpf bpf;
    private final OwnedFd map;
    private final OwnedFd prog;

    private KallsymsLookupProgram(Bpf bpf, OwnedFd map, OwnedFd prog) {
        this.bpf = bpf;
        this.map = map;
        this.prog = prog;
    }

    /** Loads the program; empty when the kernel (older than 5.16) or the privileges do not allow it. */
    static Optional<KallsymsLookupProgram> load(Bpf bpf) {
        int mapFd;
        try (BpfAttr.MapCreate attr = new BpfAttr.MapCreate()) {
            attr.mapType(MAP_TYPE_ARRAY).keySize(4).valueSize(NAME_MAX).maxEntries(1).mapName("bpflux_ksym");
            mapFd = bpf.tryCall(attr);
        }
        if (mapFd < 0) {
            return Optional.empty();
        }
        OwnedFd map = OwnedFd.adopt(mapFd, "map 'bpflux_ksym'", bpf.calls());
        long[] insns = program(mapFd);
        try (Memory code = new Memory(insns.length * 8L); BpfAttr.ProgLoad attr = new BpfAttr.ProgLoad()) {
            for (int i = 0; i < insns.length; i++) {
                code.setLong(i * 8L, insns[i]);
            }
            attr.progType(PROG_TYPE_SYSCALL).insns(code, insns.length).license("GPL").progFlags(F_SLEEPABLE)
                    .progName("bpflux_ksym");
            int fd = bpf.tryCall(attr);
            if (fd < 0) {
                map.close();
                return Optional.empty();
            }
            return Optional.of(new KallsymsLookupProgram(bpf, map, OwnedFd.adopt(fd, "program 'bpflux_ksym'",
                    bpf.calls())));
        }
    }

    /** The program: look the map's name up, write address and result into the context. */
    static long[] program(int mapFd) {
        return new long[]{
            Instructions.encode(0xbf, 6, 1, 0, 0),            // r6 = r1 (ctx)
            Instructions.encode(0x62, 10, 0, -4, 0),          // *(u32 *)(r10 - 4) = 0 (key)
            Instructions.encode(0xbf, 2, 10, 0, 0),           // r2 = r10
            Instructions.encode(0x07, 2, 0, 0, -4),           // r2 += -4
            Instructions.encode(0x18, 1, 1, 0, mapFd),        // r1 = map (ld_imm64, BPF_PSEUDO_MAP_FD)
            0L,
            Instructions.encode(0x85, 0, 0, 0, HELPER_MAP_LOOKUP),
            Instructions.encode(0x15, 0, 0, 10, 0),           // if r0 == 0 goto out
            Instructions.encode(0xbf, 1, 0, 0, 0),            // r1 = r0 (name)
            Instructions.encode(0x61, 2, 6, 8, 0),            // r2 = *(u32 *)(r6 + 8) (size)
            Instructions.encode(0x25, 2, 0, 7, NAME_MAX),     // if r2 > NAME_MAX goto out
            Instructions.encode(0xb7, 3, 0, 0, 0),            // r3 = 0 (flags)
            Instructions.encode(0xbf, 4, 10, 0, 0),           // r4 = r10
            Instructions.encode(0x07, 4, 0, 0, -16),          // r4 += -16 (u64 result on the stack)
            Instructions.encode(0x85, 0, 0, 0, HELPER_KALLSYMS_LOOKUP_NAME),
            Instructions.encode(0x7b, 6, 0, 16, 0),           // *(u64 *)(r6 + 16) = r0
            Instructions.encode(0x79, 1, 10, -16, 0),         // r1 = *(u64 *)(r10 - 16)
            Instructions.encode(0x7b, 6, 1, 0, 0),            // *(u64 *)(r6 + 0) = r1
            Instructions.encode(0xb7, 0, 0, 0, 0),            // out: r0 = 0
            Instructions.encode(0x95, 0, 0, 0, 0),            // exit
        };
    }

    /**
     * Looks {@code names} up. Empty when the kernel refused (EPERM: addresses hidden from this process)
     * or the program failed, so the caller falls back to scanning the file.
     */
    Optional<Map<String, List<Long>>> lookup(Set<String> names) {
        Map<String, List<Long>> out = new HashMap<>();
        try (Memory key = new Memory(4); Memory value = new Memory(NAME_MAX); Memory ctx = new Memory(CTX_SIZE)) {
            key.setInt(0, 0);
            for (String name : names) {
                byte[] b = name.getBytes(StandardCharsets.UTF_8);
                if (b.length + 1 > NAME_MAX) {
                    continue; // no kernel symbol is that long
                }
                value.clear();
                value.write(0, b, 0, b.length);
                try (BpfAttr.MapElem attr = new BpfAttr.MapElem(BpfCommand.BPF_MAP_UPDATE_ELEM)) {
                    attr.mapFd(map.fd()).key(key).value(value);
                    if (bpf.tryCall(attr) < 0) {
                        return Optional.empty();
                    }
                }
                ctx.clear();
                ctx.setInt(8, b.length + 1);
                try (BpfAttr.ProgTestRun attr = new BpfAttr.ProgTestRun()) {
                    attr.progFd(prog.fd()).ctxIn(ctx, CTX_SIZE);
                    if (bpf.tryCall(attr) < 0) {
                        return Optional.empty();
                    }
                }
                long result = ctx.getLong(16);
                if (result == 0) {
                    out.put(name, List.of(ctx.getLong(0)));
                } else if (result != -Errno.ENOENT) {
                    return Optional.empty(); // EPERM (kptr_restrict) or EINVAL: let the file scan explain
                }
            }
        }
        return Optional.of(out);
    }

    @Override
    public void close() {
        prog.close();
        map.close();
    }
}
