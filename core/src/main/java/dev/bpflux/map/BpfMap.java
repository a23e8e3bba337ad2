package dev.bpflux.map;

import dev.bpflux.sys.Memlock;
import dev.bpflux.obj.MapType;

import com.sun.jna.Memory;
import dev.bpflux.BpfException;
import dev.bpflux.BpfNotSupportedException;
import dev.bpflux.kernel.FeatureProbes;
import dev.bpflux.kernel.KernelVersion;
import dev.bpflux.kernel.PossibleCpus;
import dev.bpflux.sys.Bpf;
import dev.bpflux.sys.BpfAttr;
import dev.bpflux.sys.BpfCommand;
import dev.bpflux.sys.BpfFilesystem;
import dev.bpflux.sys.Errno;
import dev.bpflux.sys.MappedMemory;
import dev.bpflux.sys.OwnedFd;
import dev.bpflux.sys.PageSize;
import dev.bpflux.sys.SyscallErrors;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * A live BPF map, owning its descriptor. Keys and values are raw bytes in the kernel's layout
 * (see {@link MapCodec} for typed access).
 *
 * <p>Per-CPU maps: a value passed to or returned from the element operations holds one slot of
 * {@code round_up(valueSize, 8)} bytes per possible CPU ({@link #valueBufferSize()});
 * {@link #lookupPerCpu(byte[])} wraps it as {@link PerCpuValues}.
 *
 * <p>Thread-safe as the kernel is: element operations may run concurrently; {@link #close()}
 * closes the descriptor exactly once.
 */
public class BpfMap implements AutoCloseable {
    private final OwnedFd fd;
    /** The door the map was created through; its element operations go through it too. */
    private final Bpf bpf;
    private final MapType type;
    private final int typeNumber;
    private final int keySize;
    private final int valueSize;
    private final int maxEntries;
    private final int flags;
    private final String name;
    private final int valueBufferSize;
    private final int slotSize;
    private final int cpuCount;

    BpfMap(OwnedFd fd, int typeNumber, int keySize, int valueSize, int maxEntries, int flags, String name) {
        this.fd = fd;
        this.bpf = Bpf.of(fd);
        this.typeNumber = typeNumber;
        this.type = MapType.of(typeNumber);
        this.keySize = keySize;
        this.valueSize = valueSize;
        this.maxEntries = maxEntries;
        this.flags = flags;
        this.name = name;
        if (type != null && type.isPerCpu()) {
            this.cpuCount = PossibleCpus.system().count();
            this.slotSize = (valueSize + 7) & ~7;
            this.valueBufferSize = slotSize * cpuCount;
        } else {
            this.cpuCount = 1;
            this.slotSize = valueSize;
            this.valueBufferSize = valueSize;
        }
    }

    /**
     * Creates a map. A type or flag the kernel lacks becomes a {@link BpfNotSupportedException}
     * naming it and the kernel release that added it.
     */
    public static BpfMap create(MapDefinition def) {
        return create(Bpf.system(), def);
    }

    /** As {@link #create(MapDefinition)} through {@code bpf}'s door, which the map keeps. */
    public static BpfMap create(Bpf bpf, MapDefinition def) {
        Memlock.raiseOnceForOldKernels(); // maps are charged to RLIMIT_MEMLOCK before 5.11
        String what = "map '" + def.name() + "'";
        try (BpfAttr.MapCreate attr = new BpfAttr.MapCreate()) {
            attr.mapType(def.type().value()).keySize(def.keySize()).valueSize(def.valueSize())
                    .maxEntries(def.maxEntries()).mapFlags(def.flags()).innerMapFd(def.innerMapFd())
                    .numaNode(def.numaNode()).mapName(def.name()).mapIfindex(def.ifindex()).btfFd(def.btfFd())
                    .btfKeyTypeId(def.btfKeyTypeId()).btfValueTypeId(def.btfValueTypeId())
                    .btfVmlinuxValueTypeId(def.btfVmlinuxValueTypeId()).mapExtra(def.mapExtra());
            int r = bpf.tryCall(attr);
            if (r < 0) {
                throw createFailure(bpf, def, -r);
            }
            return wrap(OwnedFd.adopt(r, what, bpf.calls()), def.type().value(), def.keySize(), def.valueSize(),
                    def.maxEntries(), def.flags(), def.name());
        }
    }

    private static RuntimeException createFailure(Bpf bpf, MapDefinition def, int errno) {
        String op = "BPF_MAP_CREATE of " + def.type().kernelName() + " '" + def.name() + "'";
        if ((errno == Errno.EINVAL || errno == Errno.E2BIG) && !FeatureProbes.of(bpf).mapType(def.type())
                && FeatureProbes.of(bpf).mapTypeErrno(def.type()) != Errno.EPERM) {
            return new BpfNotSupportedException(def.type().kernelName(),
                    "map type " + def.type().kernelName() + " needs Linux " + def.type().since() + " or later",
                    SyscallErrors.plain(op, errno, null));
        }
        String unknownField = errno == Errno.E2BIG ? attributeTooNew(def) : null;
        if (unknownField != null) {
            // bpf(2) answers E2BIG when bytes past the attr it knows are non-zero (bpf_check_uarg_tail_zero).
            return new BpfNotSupportedException(unknownField, unknownField + " is set for map '" + def.name()
                    + "' but this kernel (" + KernelVersion.current().release() + ") does not know the attribute",
                    SyscallErrors.plain(op, errno, null));
        }
        String unset = MapType.unsetSizes(def.type(), def.maxEntries(), def.valueSize());
        String hint = switch (errno) {
            case Errno.EINVAL -> "check key size " + def.keySize() + ", value size " + def.valueSize()
                    + ", max entries " + def.maxEntries() + " and flags 0x" + Integer.toHexString(def.flags())
                    + " against what " + def.type().kernelName() + " accepts"
                    + (unset == null ? "" : "; a " + unset + " of 0 usually means the object leaves it to be set"
                            + " before load (as with libbpf's bpf_map__set_max_entries/bpf_map__set_value_size):"
                            + " LoadOptions.withMaxEntries(\"" + def.name() + "\", n) / withValueSize(\"" + def.name()
                            + "\", bytes)");
            case Errno.ENOMEM -> "the map does not fit in memory (on kernels before 5.11 RLIMIT_MEMLOCK may be too low)";
            case Errno.E2BIG -> sizeLimitHint(def);
            default -> null;
        };
        return SyscallErrors.exception(op, errno, hint);
    }

    /** The attribute field set in {@code def} that the running kernel is too old to know, with its version. */
    private static String attributeTooNew(MapDefinition def) {
        KernelVersion k = KernelVersion.current();
        if (def.mapExtra() != 0 && !k.atLeast(5, 16)) {
            return "map_extra (Linux 5.16)";
        }
        if (def.btfVmlinuxValueTypeId() != 0 && !k.atLeast(5, 6)) {
            return "btf_vmlinux_value_type_id (Linux 5.6)";
        }
        return null;
    }

    /**
     * E2BIG from BPF_MAP_CREATE on a kernel that has the command (bpflux sends no attribute field a supported
     * kernel lacks unless asked to) is a size limit of the map type's map_alloc_check: those that hold
     * everywhere are {@link MapType#sizeLimitBroken}'s; beyond them, values under KMALLOC_MAX_SIZE (4 MiB with
     * 4 KiB pages) for arrays and hashes.
     */
    static String sizeLimitHint(MapDefinition def) {
        MapType t = def.type();
        String limit = t.sizeLimitBroken(def.keySize(), def.valueSize());
        if (limit == null) {
            // KMALLOC_MAX_SIZE is 1024 pages (MAX_PAGE_ORDER 10): 4 MiB with 4 KiB pages.
            limit = t.isArray() || t.isHash()
                    ? "array and hash values must stay under " + ((long) PageSize.VALUE << 10 >> 20)
                            + " MiB (KMALLOC_MAX_SIZE, 1024 pages of " + PageSize.VALUE + " bytes)"
                    : "see the map type's limits in the kernel's map_alloc_check";
        }
        return "a size is over the kernel's limit for " + t.kernelName() + ": key size " + def.keySize()
                + ", value size " + def.valueSize() + ", max entries " + def.maxEntries() + "; " + limit
                + "; make the key or value smaller (or split the value over several maps)";
    }

    static BpfMap wrap(OwnedFd fd, int type, int keySize, int valueSize, int maxEntries, int flags, String name) {
        return new BpfMap(fd, type, keySize, valueSize, maxEntries, flags, name);
    }

    /** Takes ownership of {@code fd}, a map descriptor, and reads its properties from the kernel. */
    public static BpfMap fromFd(OwnedFd fd) {
        MapInfo info;
        try {
            info = MapInfo.of(fd);
        } catch (RuntimeException e) {
            fd.close();
            throw e;
        }
        return wrap(fd.transfer("map '" + info.name() + "'"), info.typeNumber(), info.keySize(),
                info.valueSize(), info.maxEntries(), info.flags(), info.name());
    }

    /** Opens a map pinned at {@code path} in bpffs (BPF_OBJ_GET, 4.4). */
    public static BpfMap openPinned(Path path) {
        return openPinned(Bpf.system(), path);
    }

    /** As {@link #openPinned(Path)} through {@code bpf}'s door. */
    public static BpfMap openPinned(Bpf bpf, Path path) {
        try (BpfAttr.Obj attr = new BpfAttr.Obj(BpfCommand.BPF_OBJ_GET)) {
            attr.pathname(path.toString());
            OwnedFd fd = bpf.callForFd(attr, "map pinned at " + path,
                    "is " + path + " a map pinned in a mounted bpffs (/sys/fs/bpf)?");
            return fromFd(fd);
        }
    }

    /** Opens the map with kernel id {@code id} (BPF_MAP_GET_FD_BY_ID, 4.13; needs CAP_SYS_ADMIN). */
    public static BpfMap fromId(int id) {
        return fromId(Bpf.system(), id);
    }

    /** As {@link #fromId(int)} through {@code bpf}'s door. */
    public static BpfMap fromId(Bpf bpf, int id) {
        try (BpfAttr.GetFdById attr = new BpfAttr.GetFdById(BpfCommand.BPF_MAP_GET_FD_BY_ID)) {
            attr.id(id);
            OwnedFd fd = bpf.callForFd(attr, "map id " + id,
                    "ENOENT means no map has id " + id + " (it may have been freed)");
            return fromFd(fd);
        }
    }

    // ---- properties

    /** The descriptor. */
    public OwnedFd fd() {
        return fd;
    }

    /** The map type, or null for a type newer than bpflux knows ({@link #typeNumber()} still says which). */
    public MapType type() {
        return type;
    }

    /** The kernel's {@code BPF_MAP_TYPE_*} number. */
    public int typeNumber() {
        return typeNumber;
    }

    public int keySize() {
        return keySize;
    }

    /** The value size as created (per CPU for per-CPU maps). */
    public int valueSize() {
        return valueSize;
    }

    public int maxEntries() {
        return maxEntries;
    }

    public int flags() {
        return flags;
    }

    public String name() {
        return name;
    }

    /** Bytes of a value buffer for the element operations: {@code round_up(valueSize, 8) * possibleCpus} for per-CPU maps. */
    public int valueBufferSize() {
        return valueBufferSize;
    }

    /** Whether values are stored once per possible CPU. */
    public boolean isPerCpu() {
        return type != null && type.isPerCpu();
    }

    /** The kernel's view of this map (BPF_OBJ_GET_INFO_BY_FD). */
    public MapInfo info() {
        return MapInfo.of(fd);
    }

    // ---- element operations

    /** The value stored under {@code key}, or null when there is none. */
    public byte[] lookup(byte[] key) {
        byte[] value = new byte[valueBufferSize];
        return lookupInto(key, value) ? value : null;
    }

    /**
     * Copies the value under {@code key} into {@code valueOut} ({@link #valueBufferSize()} bytes)
     * without allocating; false when there is none. For polling loops.
     */
    public boolean lookupInto(byte[] key, byte[] valueOut) {
        checkKey(key);
        if (valueOut.length != valueBufferSize) {
            throw new IllegalArgumentException("value buffer for " + fd.what() + " must be " + valueBufferSize
                    + " bytes, got " + valueOut.length);
        }
        Scratch sc = SCRATCH.get();
        Memory m = sc.buffer(keySize + valueBufferSize);
        writeKey(m, key);
        BpfAttr.MapElem attr = sc.lookup;
        attr.mapFd(fd.fd()).key(keySize == 0 ? null : m).value(m.share(keySize)).flags(0);
        int r = bpf.tryCall(attr);
        if (r == -Errno.ENOENT) {
            return false;
        }
        check(r, "BPF_MAP_LOOKUP_ELEM", null);
        m.read(keySize, valueOut, 0, valueBufferSize);
        return true;
    }

    /** Per-CPU maps: the per-CPU values under {@code key}, or null when there is none. */
    public PerCpuValues lookupPerCpu(byte[] key) {
        requirePerCpu();
        byte[] raw = lookup(key);
        return raw == null ? null : new PerCpuValues(PossibleCpus.system(), valueSize, raw);
    }

    /** Stores {@code value} under {@code key}, whatever was there ({@link MapFlags#BPF_ANY}). */
    public void update(byte[] key, byte[] value) {
        update(key, value, MapFlags.BPF_ANY);
    }

    /** Stores {@code value} under {@code key} with {@link MapFlags} BPF_ANY, BPF_NOEXIST, BPF_EXIST, optionally | BPF_F_LOCK. */
    public void update(byte[] key, byte[] value, long updateFlags) {
        checkKey(key);
        if (value.length != valueBufferSize) {
            throw new IllegalArgumentException("value for " + fd.what() + " must be " + valueBufferSize
                    + " bytes" + (isPerCpu() ? " (round_up(" + valueSize + ", 8) x " + cpuCount + " possible CPUs)" : "")
                    + ", got " + value.length);
        }
        Scratch sc = SCRATCH.get();
        Memory m = sc.buffer(keySize + valueBufferSize);
        writeKey(m, key);
        m.write(keySize, value, 0, value.length);
        BpfAttr.MapElem attr = sc.update;
        attr.mapFd(fd.fd()).key(keySize == 0 ? null : m).value(m.share(keySize)).flags(updateFlags);
        int r = bpf.tryCall(attr);
        if (r < 0) {
            String hint = switch (-r) {
                case Errno.EEXIST -> "the key exists and BPF_NOEXIST was given";
                case Errno.ENOENT -> "the key does not exist and BPF_EXIST was given";
                case Errno.E2BIG -> "the map is full (" + maxEntries + " entries)";
                case Errno.EPERM -> "the map may be frozen or read-only";
                default -> null;
            };
            check(r, "BPF_MAP_UPDATE_ELEM", hint);
        }
    }

    /** Per-CPU maps: stores one value per possible CPU. */
    public void updatePerCpu(byte[] key, PerCpuValues values, long updateFlags) {
        requirePerCpu();
        update(key, values.toBytes(), updateFlags);
    }

    /** Removes {@code key}; false when it was not there. Array maps refuse with EINVAL. */
    public boolean delete(byte[] key) {
        checkKey(key);
        Scratch sc = SCRATCH.get();
        Memory m = sc.buffer(keySize);
        writeKey(m, key);
        BpfAttr.MapElem attr = sc.delete;
        attr.mapFd(fd.fd()).key(keySize == 0 ? null : m).value(null).flags(0);
        int r = bpf.tryCall(attr);
        if (r == -Errno.ENOENT) {
            return false;
        }
        check(r, "BPF_MAP_DELETE_ELEM", type != null && type.isArray() ? "array map elements cannot be deleted" : null);
        return true;
    }

    /**
     * Removes {@code key} and returns its value, or null when absent (hash maps 5.14, queue/stack
     * 4.20 with an empty key).
     */
    public byte[] lookupAndDelete(byte[] key) {
        checkKey(key);
        try (Memory m = new Memory(Math.max(1, keySize + valueBufferSize));
                BpfAttr.MapElem attr = new BpfAttr.MapElem(BpfCommand.BPF_MAP_LOOKUP_AND_DELETE_ELEM)) {
            writeKey(m, key);
            attr.mapFd(fd.fd()).key(keySize == 0 ? null : m).value(m.share(keySize));
            int r = bpf.tryCall(attr);
            if (r == -Errno.ENOENT) {
                return null;
            }
            check(r, "BPF_MAP_LOOKUP_AND_DELETE_ELEM", -r == Errno.EINVAL || -r == Errno.ENOTSUPP
                    ? "this map type does not support lookup-and-delete on this kernel (hash maps need 5.14)" : null);
            return m.getByteArray(keySize, valueBufferSize);
        }
    }

    /** The key after {@code key} (the first key when {@code key} is null or no longer present), or null at the end. */
    public byte[] nextKey(byte[] key) {
        if (key != null) {
            checkKey(key);
        }
        Scratch sc = SCRATCH.get();
        Memory m = sc.buffer(2L * keySize);
        if (key != null) {
            writeKey(m, key);
        }
        BpfAttr.MapElem attr = sc.nextKey;
        attr.mapFd(fd.fd()).key(key == null ? null : m).nextKey(m.share(keySize)).flags(0);
        int r = bpf.tryCall(attr);
        if (r == -Errno.ENOENT) {
            return null;
        }
        check(r, "BPF_MAP_GET_NEXT_KEY", null);
        return m.getByteArray(keySize, keySize);
    }

    /**
     * All keys, walked with BPF_MAP_GET_NEXT_KEY. Deleting the current key while iterating is
     * safe: for a key that vanished the kernel restarts from the first key, so the walk remembers
     * which keys it already returned and skips them.
     */
    public Iterable<byte[]> keys() {
        return () -> new Iterator<>() {
            private final Set<ByteBuffer> seen = new HashSet<>();
            private byte[] current;
            private byte[] next = advance(null);

            private byte[] advance(byte[] from) {
                byte[] k = nextKey(from);
                // A restart after a deletion revisits keys; skip the ones we returned. The bound
                // stops a map mutated faster than we walk from looping forever.
                int guard = 0;
                while (k != null && seen.contains(ByteBuffer.wrap(k))) {
                    if (++guard > seen.size() + 1) {
                        return null;
                    }
                    k = nextKey(k);
                }
                return k;
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public byte[] next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                current = next;
                seen.add(ByteBuffer.wrap(current.clone()));
                next = advance(current);
                return current.clone();
            }
        };
    }

    /** Makes the map read-only for user space from now on (BPF_MAP_FREEZE, 5.2). */
    public void freeze() {
        try (BpfAttr.MapFreeze attr = new BpfAttr.MapFreeze()) {
            attr.mapFd(fd.fd());
            int r = bpf.tryCall(attr);
            if (r == -Errno.EINVAL) {
                throw new BpfNotSupportedException("BPF_MAP_FREEZE", "map freezing needs Linux 5.2 or later",
                        SyscallErrors.plain("BPF_MAP_FREEZE of " + fd.what(), Errno.EINVAL, null));
            }
            check(r, "BPF_MAP_FREEZE", -r == Errno.EBUSY ? "the map is mmap'd writable" : null);
        }
    }

    /** Pins the map at {@code path} in bpffs (BPF_OBJ_PIN, 4.4). */
    public void pin(Path path) {
        BpfFilesystem.pin(bpf, fd, path);
    }

    /**
     * Maps an mmapable array ({@link MapFlags#BPF_F_MMAPABLE}, 5.5) into memory: the values of
     * indexes 0..maxEntries-1, {@link #mmapStride()} bytes apart (the kernel rounds each array
     * element to 8 bytes). The kernel rounds the mapping up to whole pages; the handle covers the
     * elements only.
     */
    public MappedMemory mmap(boolean writable) {
        if ((flags & MapFlags.BPF_F_MMAPABLE) == 0) {
            throw new BpfException(fd.what() + " was not created with BPF_F_MMAPABLE and cannot be mmap'd");
        }
        long length = (long) mmapStride() * maxEntries;
        int prot = MappedMemory.PROT_READ | (writable ? MappedMemory.PROT_WRITE : 0);
        return MappedMemory.map(fd, length, prot, 0);
    }

    /** Distance between array elements in an mmap'd array: {@code round_up(valueSize, 8)}. */
    public int mmapStride() {
        return (valueSize + 7) & ~7;
    }

    // ---- batch operations (5.6) with per-element fallback

    /**
     * Reads every entry. Uses BPF_MAP_LOOKUP_BATCH when the kernel has it (5.6; hash maps and
     * arrays) and falls back to a key walk with single lookups otherwise.
     */
    public List<Entry> entries() {
        List<Entry> out = batchSupported() ? lookupBatch() : null;
        if (out != null) {
            return out;
        }
        out = new ArrayList<>();
        for (byte[] k : keys()) {
            byte[] v = lookup(k);
            if (v != null) {
                out.add(new Entry(k, v));
            }
        }
        return out;
    }

    private List<Entry> lookupBatch() {
        int chunk = Math.max(1, Math.min(maxEntries, 4096));
        List<Entry> out = new ArrayList<>();
        // Batch tokens are opaque; for hash maps the kernel uses a u32 bucket index, for arrays the key.
        int tokenSize = Math.max(keySize, 8);
        try (Memory in = new Memory(tokenSize); Memory outTok = new Memory(tokenSize);
                Memory keys = new Memory((long) chunk * Math.max(1, keySize));
                Memory values = new Memory((long) chunk * Math.max(1, valueBufferSize))) {
            boolean first = true;
            while (true) {
                try (BpfAttr.MapBatch attr = new BpfAttr.MapBatch(BpfCommand.BPF_MAP_LOOKUP_BATCH)) {
                    attr.mapFd(fd.fd()).inBatch(first ? null : in).outBatch(outTok).keys(keys).values(values)
                            .count(chunk);
                    int r = bpf.tryCall(attr);
                    if (r < 0 && first && (r == -Errno.EINVAL || r == -Errno.ENOTSUPP || r == -Errno.EOPNOTSUPP)) {
                        batchSupport = Boolean.FALSE;
                        return null;
                    }
                    if (r < 0 && r != -Errno.ENOENT) {
                        check(r, "BPF_MAP_LOOKUP_BATCH", null);
                    }
                    int n = attr.count();
                    for (int i = 0; i < n; i++) {
                        out.add(new Entry(keys.getByteArray((long) i * keySize, keySize),
                                values.getByteArray((long) i * valueBufferSize, valueBufferSize)));
                    }
                    if (r == -Errno.ENOENT) {
                        return out;
                    }
                    in.write(0, outTok.getByteArray(0, tokenSize), 0, tokenSize);
                    first = false;
                }
            }
        }
    }

    /**
     * Writes many entries: BPF_MAP_UPDATE_BATCH (5.6) when the kernel has it, else one update each.
     */
    public void updateAll(List<Entry> entries, long elemFlags) {
        if (entries.isEmpty()) {
            return;
        }
        for (Entry e : entries) {
            checkKey(e.key());
            if (e.value().length != valueBufferSize) {
                throw new IllegalArgumentException("value for " + fd.what() + " must be " + valueBufferSize
                        + " bytes, got " + e.value().length);
            }
        }
        if (batchSupported()) {
            int n = entries.size();
            try (Memory keys = new Memory((long) n * Math.max(1, keySize));
                    Memory values = new Memory((long) n * Math.max(1, valueBufferSize));
                    BpfAttr.MapBatch attr = new BpfAttr.MapBatch(BpfCommand.BPF_MAP_UPDATE_BATCH)) {
                for (int i = 0; i < n; i++) {
                    keys.write((long) i * keySize, entries.get(i).key(), 0, keySize);
                    values.write((long) i * valueBufferSize, entries.get(i).value(), 0, valueBufferSize);
                }
                attr.mapFd(fd.fd()).keys(keys).values(values).count(n).elemFlags(elemFlags);
                int r = bpf.tryCall(attr);
                if (r >= 0) {
                    return;
                }
                if (!(attr.count() == 0 && (r == -Errno.EINVAL || r == -Errno.ENOTSUPP || r == -Errno.EOPNOTSUPP))) {
                    check(r, "BPF_MAP_UPDATE_BATCH (" + attr.count() + " of " + n + " done)", null);
                }
                batchSupport = Boolean.FALSE;
            }
        }
        for (Entry e : entries) {
            update(e.key(), e.value(), elemFlags);
        }
    }

    /**
     * Deletes many keys: BPF_MAP_DELETE_BATCH (5.6) when the kernel has it, else one delete
     * each. Returns how many were deleted; the batch stops at the first absent key (ENOENT) and
     * the remaining keys are then deleted one by one.
     */
    public int deleteAll(List<byte[]> keysToDelete) {
        if (keysToDelete.isEmpty()) {
            return 0;
        }
        keysToDelete.forEach(this::checkKey);
        int done = 0;
        if (batchSupported()) {
            int n = keysToDelete.size();
            try (Memory keys = new Memory((long) n * Math.max(1, keySize));
                    BpfAttr.MapBatch attr = new BpfAttr.MapBatch(BpfCommand.BPF_MAP_DELETE_BATCH)) {
                for (int i = 0; i < n; i++) {
                    keys.write((long) i * keySize, keysToDelete.get(i), 0, keySize);
                }
                attr.mapFd(fd.fd()).keys(keys).count(n);
                int r = bpf.tryCall(attr);
                if (r >= 0) {
                    return n;
                }
                done = attr.count();
                if (r != -Errno.ENOENT) {
                    if (!(done == 0 && (r == -Errno.EINVAL || r == -Errno.ENOTSUPP || r == -Errno.EOPNOTSUPP))) {
                        check(r, "BPF_MAP_DELETE_BATCH", null);
                    }
                    batchSupport = Boolean.FALSE;
                }
                // ENOENT: key 'done' is absent; continue after it one by one.
                if (r == -Errno.ENOENT) {
                    done++;
                    int deleted = done - 1;
                    for (int i = done; i < n; i++) {
                        if (delete(keysToDelete.get(i))) {
                            deleted++;
                        }
                    }
                    return deleted;
                }
            }
        }
        int deleted = 0;
        for (int i = done; i < keysToDelete.size(); i++) {
            if (delete(keysToDelete.get(i))) {
                deleted++;
            }
        }
        return deleted + done;
    }

    private volatile Boolean batchSupport;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * Per-thread reusable attrs and key/value buffer for the single-element operations: a fresh
     * native allocation per call cost more than the system call itself. Freed with the thread
     * (JNA releases unreachable Memory).
     */
    private static final class Scratch {
        final BpfAttr.MapElem lookup = new BpfAttr.MapElem(BpfCommand.BPF_MAP_LOOKUP_ELEM);
        final BpfAttr.MapElem update = new BpfAttr.MapElem(BpfCommand.BPF_MAP_UPDATE_ELEM);
        final BpfAttr.MapElem delete = new BpfAttr.MapElem(BpfCommand.BPF_MAP_DELETE_ELEM);
        final BpfAttr.MapElem nextKey = new BpfAttr.MapElem(BpfCommand.BPF_MAP_GET_NEXT_KEY);
        private Memory buffer = new Memory(256);

        Memory buffer(long size) {
            if (buffer.size() < size) {
                buffer.close();
                buffer = new Memory(Math.max(size, buffer.size() * 2));
            }
            return buffer;
        }
    }

    /** Whether this kernel has the batch commands for this map; false forces the per-element path. */
    boolean batchSupported() {
        Boolean b = batchSupport;
        return b == null || b;
    }

    /** Forces the per-element fallback (tests of the path older kernels take). */
    void disableBatch() {
        batchSupport = Boolean.FALSE;
    }

    /** One key and its value (per-CPU maps: all CPUs' slots). */
    public record Entry(byte[] key, byte[] value) {
    }

    // ---- helpers

    private void checkKey(byte[] key) {
        if (key == null || key.length != keySize) {
            throw new IllegalArgumentException("key for " + fd.what() + " must be " + keySize + " bytes, got "
                    + (key == null ? "null" : key.length));
        }
    }

    private void writeKey(Memory m, byte[] key) {
        if (keySize > 0) {
            m.write(0, key, 0, keySize);
        }
    }

    private void requirePerCpu() {
        if (!isPerCpu()) {
            throw new BpfException(fd.what() + " is not a per-CPU map");
        }
    }

    private void check(int r, String op, String hint) {
        if (r < 0) {
            throw SyscallErrors.exception(op + " on " + fd.what(), -r, hint);
        }
    }

    /** Closes the descriptor; the map lives on while a program or pin still references it. */
    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return fd.what() + " (" + (type == null ? "type " + typeNumber : type.kernelName()) + ", key " + keySize
                + ", value " + valueSize + ", max " + maxEntries + ")";
    }

}
