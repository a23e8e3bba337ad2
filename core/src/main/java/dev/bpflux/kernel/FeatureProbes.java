package dev.bpflux.kernel;

import com.sun.jna.Memory;
import dev.bpflux.obj.MapType;
import dev.bpflux.obj.AttachType;
import dev.bpflux.obj.Assembler;
import dev.bpflux.obj.ProgramType;
import dev.bpflux.sys.Bpf;
import dev.bpflux.sys.Capabilities;
import dev.bpflux.sys.BpfAttr;
import dev.bpflux.sys.Errno;
import dev.bpflux.sys.OwnedFd;
import dev.bpflux.sys.PageSize;
import dev.bpflux.sys.PerfEventAttr;
import dev.bpflux.sys.PerfEvents;
import dev.bpflux.sys.SystemCalls;
import java.lang.ref.SoftReference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * What the running kernel supports, found the way {@code bpftool feature probe} does: by trying
 * it (create a tiny map, load a two-instruction program, create a link) and reading the errno
 * and the verifier log. Each answer is computed once, on first use, and cached.
 *
 * <p>Without privileges the kernel refuses most probes with EPERM before looking at what is asked: that
 * answer is {@link Support#NEEDS_PRIVILEGE}, never "unsupported". The boolean methods say whether a feature
 * is known to be there.
 */
public final class FeatureProbes {
    private static final FeatureProbes SYSTEM = new FeatureProbes(Bpf.system());
    /** Probes of other doors; softly held, as a value holding its weak key would keep it forever. */
    private static final Map<SystemCalls, SoftReference<FeatureProbes>> BY_DOOR = new WeakHashMap<>();
    private static final int BPF_F_NO_PREALLOC = 1;
    private static final int BPF_F_MMAPABLE = 1 << 10;

    private final Bpf bpf;
    private final BooleanSupplier privileged;
    private final Map<Object, Support> cache = new ConcurrentHashMap<>();
    /** The errno of each map type probe that failed: EINVAL for a type the kernel lacks, EPERM for one it refuses. */
    private final Map<MapType, Integer> mapTypeErrnos = new ConcurrentHashMap<>();

    /** A probe's answer. */
    public enum Support {
        /** The kernel has it. */
        YES,
        /** The kernel lacks it (or refuses it even to a privileged caller). */
        NO,
        /** Not known: the kernel refused the probe with EPERM and this process lacks CAP_BPF/CAP_SYS_ADMIN. */
        NEEDS_PRIVILEGE;

        static Support of(boolean yes) {
            return yes ? YES : NO;
        }
    }

    FeatureProbes(Bpf bpf) {
        this(bpf, Capabilities::hasBpfPrivileges);
    }

    FeatureProbes(Bpf bpf, BooleanSupplier privileged) {
        this.bpf = bpf;
        this.privileged = privileged;
    }

    private boolean known(Object key, java.util.function.Supplier<Support> probe) {
        return cache.computeIfAbsent(key, k -> probe.get()) == Support.YES;
    }

    /** What a failed probe's {@code -errno} says: EPERM without privileges says nothing about the kernel. */
    private Support refused(int r) {
        return r == -Errno.EPERM && !privileged.getAsBoolean() ? Support.NEEDS_PRIVILEGE : Support.NO;
    }

    /** Probes of the running kernel. */
    public static FeatureProbes system() {
        return SYSTEM;
    }

    /**
     * Probes through {@code bpf}'s door: the shared {@link #system()} ones for the real kernel, else
     * one cache per door (a fault-injecting door must not answer for the real one, nor the reverse).
     */
    public static FeatureProbes of(Bpf bpf) {
        if (bpf.calls() == SYSTEM.bpf.calls()) {
            return SYSTEM;
        }
        synchronized (BY_DOOR) {
            SoftReference<FeatureProbes> ref = BY_DOOR.get(bpf.calls());
            FeatureProbes probes = ref == null ? null : ref.get();
            if (probes == null) {
                probes = new FeatureProbes(bpf);
                BY_DOOR.put(bpf.calls(), new SoftReference<>(probes));
            }
            return probes;
        }
    }

    /**
     * Whether maps of {@code type} can be created. STRUCT_OPS maps need a kernel struct type to
     * probe and report false here; use the program type probe for struct_ops instead.
     */
    public boolean mapType(MapType type) {
        return mapTypeSupport(type) == Support.YES;
    }

    /** As {@link #mapType}, telling "unsupported" from "could not probe without privileges". */
    public Support mapTypeSupport(MapType type) {
        return cache.computeIfAbsent(type, t -> probeMapType(type));
    }

    /**
     * The errno with which the kernel refused the {@link #mapType} probe of {@code type}, or 0 when
     * the map was created (or the type cannot be probed). EINVAL means the kernel does not know the
     * type; EPERM from a privileged caller means a policy (an LSM, lockdown, a sandbox) refused a type
     * the kernel has: machines of one kernel version differ there, so callers report what the kernel
     * said rather than what its version promises.
     */
    public int mapTypeErrno(MapType type) {
        mapType(type);
        return mapTypeErrnos.getOrDefault(type, 0);
    }

    private Support probeMapType(MapType type) {
        int key = 4;
        int value = 4;
        int max = 1;
        int flags = 0;
        boolean needsBtf = false;
        switch (type) {
            case RINGBUF, USER_RINGBUF -> {
                key = 0;
                value = 0;
                max = PageSize.VALUE * 4; // a power-of-2 multiple of the page size
            }
            case QUEUE, STACK, BLOOM_FILTER -> key = 0;
            case STACK_TRACE -> value = 8;
            case LPM_TRIE -> {
                key = 8;
                flags = BPF_F_NO_PREALLOC; // mandatory for LPM tries
            }
            case CGROUP_STORAGE, PERCPU_CGROUP_STORAGE -> {
                key = 16; // sizeof(struct bpf_cgroup_storage_key)
                max = 0;
            }
            case SK_STORAGE, INODE_STORAGE, TASK_STORAGE, CGRP_STORAGE -> {
                flags = BPF_F_NO_PREALLOC;
                max = 0;
                needsBtf = true; // local storage demands BTF key and value type ids
            }
            case ARENA -> {
                key = 0;
                value = 0;
                flags = BPF_F_MMAPABLE;
            }
            case ARRAY_OF_MAPS, HASH_OF_MAPS, STRUCT_OPS, UNSPEC -> {
                return type == MapType.ARRAY_OF_MAPS || type == MapType.HASH_OF_MAPS ? probeMapInMap(type) : Support.NO;
            }
            default -> { }
        }
        OwnedFd btf = null;
        if (needsBtf) {
            int r = loadIntBtf();
            if (r < 0) {
                return refused(r);
            }
            btf = OwnedFd.adopt(r, "probe BTF", bpf.calls());
        }
        try (BpfAttr.MapCreate attr = new BpfAttr.MapCreate()) {
            attr.mapType(type.value()).keySize(key).valueSize(value).maxEntries(max).mapFlags(flags);
            if (btf != null) {
                attr.btfFd(btf.fd()).btfKeyTypeId(1).btfValueTypeId(1);
            }
            int r = bpf.tryCall(attr);
            if (r < 0) {
                mapTypeErrnos.put(type, -r);
            }
            return created(r);
        } finally {
            if (btf != null) {
                btf.close();
            }
        }
    }

    private Support probeMapInMap(MapType type) {
        try (BpfAttr.MapCreate inner = new BpfAttr.MapCreate()) {
            inner.mapType(MapType.ARRAY.value()).keySize(4).valueSize(4).maxEntries(1);
            int innerFd = bpf.tryCall(inner);
            if (innerFd < 0) {
                return refused(innerFd);
            }
            try (OwnedFd innerMap = OwnedFd.adopt(innerFd, "probe inner map", bpf.calls());
                    BpfAttr.MapCreate outer = new BpfAttr.MapCreate()) {
                outer.mapType(type.value()).keySize(4).valueSize(4).maxEntries(1).innerMapFd(innerMap.fd());
                return created(bpf.tryCall(outer));
            }
        }
    }

    /** YES when {@code r} is a new descriptor (closed here), else what the refusal says. */
    private Support created(int r) {
        if (r >= 0) {
            bpf.calls().close(r);
            return Support.YES;
        }
        return refused(r);
    }

    /** Whether the kernel accepts BTF (BPF_BTF_LOAD, 4.18). */
    public boolean btf() {
        return known("btf", () -> created(loadIntBtf()));
    }

    /**
     * Loads the smallest useful BTF: one type, {@code int} (id 1). Layout: struct btf_header
     * (magic 0xeB9F, version 1, flags 0, hdr_len 24, type_off, type_len, str_off, str_len), then
     * struct btf_type {name_off, info = BTF_KIND_INT << 24, size 4} + u32 (BTF_INT_SIGNED << 24 | 32
     * bits), then the strings "\0int\0".
     */
    private int loadIntBtf() {
        byte[] strings = "\0int\0".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(24 + 16 + strings.length).order(ByteOrder.nativeOrder());
        b.putShort((short) 0xeB9F).put((byte) 1).put((byte) 0).putInt(24);
        b.putInt(0).putInt(16).putInt(16).putInt(strings.length);
        b.putInt(1).putInt(1 << 24).putInt(4).putInt((1 << 24) | 32);
        b.put(strings);
        byte[] blob = b.array();
        try (Memory m = new Memory(blob.length); BpfAttr.BtfLoad attr = new BpfAttr.BtfLoad()) {
            m.write(0, blob, 0, blob.length);
            attr.btf(m, blob.length);
            return bpf.tryCall(attr); // a descriptor or -errno
        }
    }

    /** Whether array maps can be mmap'd ({@code BPF_F_MMAPABLE}, 5.5). */
    public boolean mmapableMaps() {
        return known("mmapable", () -> {
            try (BpfAttr.MapCreate attr = new BpfAttr.MapCreate()) {
                attr.mapType(MapType.ARRAY.value()).keySize(4).valueSize(4).maxEntries(1).mapFlags(BPF_F_MMAPABLE);
                return created(bpf.tryCall(attr));
            }
        });
    }

    /** Whether programs of {@code type} can be loaded ({@code r0 = 0; exit}). */
    public boolean programType(ProgramType type) {
        return programTypeSupport(type) == Support.YES;
    }

    /** As {@link #programType}, telling "unsupported" from "could not probe without privileges". */
    public Support programTypeSupport(ProgramType type) {
        return cache.computeIfAbsent(type, t -> loadProbe(type, Assembler.returnImm(0), null));
    }

    /**
     * Whether programs of {@code type} may call helper {@code helperId} ({@code enum bpf_func_id}):
     * the verifier says "invalid func" for helpers it lacks and "cannot use helper" for ones the
     * type may not call.
     */
    public boolean helper(ProgramType type, int helperId) {
        return helperSupport(type, helperId) == Support.YES;
    }

    /** As {@link #helper}, telling "unsupported" from "could not probe without privileges". */
    public Support helperSupport(ProgramType type, int helperId) {
        // Probe the program type first: a nested computeIfAbsent on the same map throws "Recursive update".
        Support typeSupport = programTypeSupport(type);
        if (typeSupport != Support.YES) {
            return typeSupport;
        }
        return cache.computeIfAbsent(List.of(type, helperId), k -> {
            byte[] insns = new Assembler().call(helperId).movImm(Assembler.R0, 0).exit().toBytes();
            return loadProbe(type, insns, "func");
        });
    }

    /**
     * Loads {@code insns} as {@code type} with a log. With {@code refusalWord} null the answer is
     * "the type exists": an unknown type fails with EINVAL before the verifier writes anything.
     * Otherwise the answer is "the verifier did not complain with a message containing 'invalid
     * <word>' or 'unknown <word>'".
     */
    private Support loadProbe(ProgramType type, byte[] insns, String refusalWord) {
        try (Memory code = new Memory(insns.length); Memory log = new Memory(4096);
                BpfAttr.ProgLoad attr = new BpfAttr.ProgLoad()) {
            code.write(0, insns, 0, insns.length);
            log.setByte(0, (byte) 0);
            attr.progType(type.value()).insns(code, insns.length / 8).license("GPL").log(log, 4096, 1);
            switch (type) {
                case KPROBE -> attr.kernVersion(KernelVersion.current().code()); // checked before 5.0
                // Types that need an attach target: point at BTF id 1, never a valid target, so a
                // kernel that knows the type gets as far as logging why id 1 is wrong.
                case TRACING -> attr.expectedAttachType(AttachType.TRACE_FENTRY.value()).attachBtfId(1);
                case LSM -> attr.expectedAttachType(AttachType.LSM_MAC.value()).attachBtfId(1);
                case EXT, STRUCT_OPS -> attr.attachBtfId(1);
                case CGROUP_SOCK_ADDR -> attr.expectedAttachType(AttachType.CGROUP_INET4_CONNECT.value());
                case CGROUP_SOCKOPT -> attr.expectedAttachType(AttachType.CGROUP_GETSOCKOPT.value());
                case SK_LOOKUP -> attr.expectedAttachType(AttachType.SK_LOOKUP.value());
                case NETFILTER -> attr.expectedAttachType(AttachType.NETFILTER.value());
                default -> { }
            }
            int r = bpf.tryCall(attr);
            if (r >= 0) {
                bpf.calls().close(r);
                return Support.YES;
            }
            String text = log.getString(0, StandardCharsets.UTF_8.name());
            if (text.isEmpty() && refused(r) == Support.NEEDS_PRIVILEGE) {
                return Support.NEEDS_PRIVILEGE; // refused before the verifier looked at anything
            }
            if (refusalWord != null) {
                // "invalid func unknown#N" for an id the kernel lacks, "program of this type cannot use
                // helper name#N" for one the type may not call.
                return Support.of(!(text.contains("invalid " + refusalWord) || text.contains("unknown " + refusalWord)
                        || text.contains("cannot use helper")));
            }
            if (-r != Errno.EINVAL) {
                return Support.YES; // refused for another reason (missing target, trampolines): the type is known
            }
            return Support.of(!text.isEmpty());
        }
    }

    /** Whether BPF links exist (BPF_LINK_CREATE, 5.7): a link create with a bad fd fails with EBADF, not EINVAL. */
    public boolean bpfLinks() {
        return known("links", () -> {
            try (BpfAttr.LinkCreate attr = new BpfAttr.LinkCreate()) {
                attr.progFd(-1).targetFd(-1).attachType(AttachType.CGROUP_INET_INGRESS.value());
                int r = bpf.tryCall(attr);
                return r >= 0 || r == -Errno.EBADF ? Support.YES : refused(r);
            }
        });
    }

    /**
     * Whether perf events take BPF links with a cookie (BPF_LINK_CREATE with BPF_PERF_EVENT and
     * {@code bpf_cookie}, 5.15): tried for real with a tracepoint program on a software event.
     */
    public boolean perfLinkCookies() {
        return known("perf_cookie", () -> {
            byte[] insns = Assembler.returnImm(0);
            try (Memory code = new Memory(insns.length); BpfAttr.ProgLoad load = new BpfAttr.ProgLoad()) {
                code.write(0, insns, 0, insns.length);
                load.progType(ProgramType.PERF_EVENT.value()).insns(code, 2).license("GPL");
                int prog = bpf.tryCall(load);
                if (prog < 0) {
                    return refused(prog);
                }
                try (OwnedFd progFd = OwnedFd.adopt(prog, "probe program", bpf.calls());
                        PerfEventAttr pattr = new PerfEventAttr()) {
                    pattr.type(PerfEventAttr.PERF_TYPE_SOFTWARE).config(PerfEventAttr.PERF_COUNT_SW_CPU_CLOCK)
                            .samplePeriod(1_000_000_000L).flags(PerfEventAttr.FLAG_DISABLED);
                    try (OwnedFd event = PerfEvents.open(bpf.calls(), pattr, -1, 0, -1, 0, "probe event");
                            BpfAttr.LinkCreate attr = new BpfAttr.LinkCreate()) {
                        attr.progFd(progFd.fd()).targetFd(event.fd()).attachType(AttachType.PERF_EVENT.value())
                                .perfEventCookie(1);
                        return created(bpf.tryCall(attr));
                    } catch (RuntimeException e) {
                        return Support.NO;
                    }
                }
            }
        });
    }

    /** Whether the kprobe PMU exists (4.17+, CONFIG_KPROBES): {@code /sys/bus/event_source/devices/kprobe/type}. */
    public boolean kprobePmu() {
        return Files.exists(Path.of("/sys/bus/event_source/devices/kprobe/type"));
    }

    /** Whether the uprobe PMU exists (4.17+, CONFIG_UPROBE_EVENTS). */
    public boolean uprobePmu() {
        return Files.exists(Path.of("/sys/bus/event_source/devices/uprobe/type"));
    }
}
