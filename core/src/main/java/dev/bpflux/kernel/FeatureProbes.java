package dev.bpflux.kernel;

import com.sun.jna.Memory;
import dev.bpflux.map.MapType;
import dev.bpflux.prog.AttachType;
import dev.bpflux.prog.Instructions;
import dev.bpflux.prog.ProgramType;
import dev.bpflux.sys.Bpf;
import dev.bpflux.sys.BpfAttr;
import dev.bpflux.sys.Errno;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the running kernel supports, found the way {@code bpftool feature probe} does: by trying
 * it (create a tiny map, load a two-instruction program) and reading the errno. Each answer is
 * computed once, on first use, and cached.
 */
public final class FeatureProbes {
    private static final FeatureProbes SYSTEM = new FeatureProbes(Bpf.system());

    private final Bpf bpf;
    private final Map<Object, Boolean> cache = new ConcurrentHashMap<>();

    FeatureProbes(Bpf bpf) {
        this.bpf = bpf;
    }

    /** Probes of the running kernel. */
    public static FeatureProbes system() {
        return SYSTEM;
    }

    /** Whether maps of {@code type} can be created. */
    public boolean mapType(MapType type) {
        return cache.computeIfAbsent(type, t -> probeMapType(type));
    }

    private boolean probeMapType(MapType type) {
        int key = 4;
        int value = 4;
        int max = 1;
        int flags = 0;
        switch (type) {
            case RINGBUF, USER_RINGBUF -> {
                key = 0;
                value = 0;
                max = 4096 * 4; // a power-of-2 multiple of the page size
            }
            case QUEUE, STACK -> key = 0;
            case STACK_TRACE -> value = 8;
            case LPM_TRIE -> {
                key = 8;
                flags = 1; // BPF_F_NO_PREALLOC is mandatory for LPM tries
            }
            case BLOOM_FILTER -> key = 0;
            case CGROUP_STORAGE, PERCPU_CGROUP_STORAGE -> {
                key = 12; // struct bpf_cgroup_storage_key
                max = 0;
            }
            case SK_STORAGE, INODE_STORAGE, TASK_STORAGE, CGRP_STORAGE -> {
                flags = 1; // BPF_F_NO_PREALLOC
                max = 0;
            }
            case ARENA -> {
                key = 0;
                value = 0;
                max = 1;
                flags = 1 << 10; // BPF_F_MMAPABLE
            }
            default -> { }
        }
        try (BpfAttr.MapCreate attr = new BpfAttr.MapCreate()) {
            attr.mapType(type.number()).keySize(key).valueSize(value).maxEntries(max).mapFlags(flags);
            int r = bpf.tryCall(attr);
            if (r >= 0) {
                bpf.calls().close(r);
                return true;
            }
            // Storage maps demand BTF for their value: a refusal other than "unknown type" (EINVAL
            // from find_and_alloc_map) still proves the type exists, so treat ENOTSUPP/EPERM as absent only.
            return false;
        }
    }

    /** Whether programs of {@code type} can be loaded ({@code r0 = 0; exit}). */
    public boolean programType(ProgramType type) {
        return cache.computeIfAbsent(type, t -> probeProgramType(type));
    }

    private boolean probeProgramType(ProgramType type) {
        // Types that need an attach target at load time cannot be probed with a bare program;
        // the load then fails for the missing target (EINVAL/ESRCH/...), not for an unknown type.
        // The kernel reports an unknown type with EINVAL from find_prog_type() and nothing in
        // the log, so a load with a log that yields text proves the type exists.
        byte[] insns = Instructions.returnImm(0);
        try (Memory code = new Memory(insns.length); Memory log = new Memory(4096);
                BpfAttr.ProgLoad attr = new BpfAttr.ProgLoad()) {
            code.write(0, insns, 0, insns.length);
            log.setByte(0, (byte) 0);
            attr.progType(type.number()).insns(code, insns.length / 8).license("GPL").log(log, 4096, 1);
            switch (type) {
                case KPROBE -> attr.kernVersion(KernelVersion.current().code()); // checked before 5.0
                // Types that need an attach target: point at BTF id 1, which is never a valid target,
                // so a kernel that knows the type gets as far as logging why id 1 is wrong.
                case TRACING -> attr.expectedAttachType(AttachType.TRACE_FENTRY.number()).attachBtfId(1);
                case LSM -> attr.expectedAttachType(AttachType.LSM_MAC.number()).attachBtfId(1);
                case EXT, STRUCT_OPS -> attr.attachBtfId(1);
                case CGROUP_SOCK_ADDR -> attr.expectedAttachType(AttachType.CGROUP_INET4_CONNECT.number());
                case CGROUP_SOCKOPT -> attr.expectedAttachType(AttachType.CGROUP_GETSOCKOPT.number());
                case SK_LOOKUP -> attr.expectedAttachType(AttachType.SK_LOOKUP.number());
                case NETFILTER -> attr.expectedAttachType(AttachType.NETFILTER.number());
                default -> { }
            }
            int r = bpf.tryCall(attr);
            if (r >= 0) {
                bpf.calls().close(r);
                return true;
            }
            if (-r != Errno.EINVAL) {
                return true; // refused for another reason (permission, missing attach target): type known
            }
            return log.getByte(0) != 0;
        }
    }

    static boolean isMissing(int errno) {
        return errno == Errno.EINVAL || errno == Errno.ENOTSUPP || errno == Errno.EOPNOTSUPP;
    }
}
