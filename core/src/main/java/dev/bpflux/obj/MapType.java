package dev.bpflux.obj;

/**
 * Map types ({@code enum bpf_map_type} in linux/bpf.h) with the kernel release that added each,
 * used in "not supported" messages.
 */
public enum MapType {
    UNSPEC(0, "3.18"),
    HASH(1, "3.19"),
    ARRAY(2, "3.19"),
    PROG_ARRAY(3, "4.2"),
    PERF_EVENT_ARRAY(4, "4.3"),
    PERCPU_HASH(5, "4.6"),
    PERCPU_ARRAY(6, "4.6"),
    STACK_TRACE(7, "4.6"),
    CGROUP_ARRAY(8, "4.8"),
    LRU_HASH(9, "4.10"),
    LRU_PERCPU_HASH(10, "4.10"),
    LPM_TRIE(11, "4.11"),
    ARRAY_OF_MAPS(12, "4.12"),
    HASH_OF_MAPS(13, "4.12"),
    DEVMAP(14, "4.14"),
    SOCKMAP(15, "4.14"),
    CPUMAP(16, "4.15"),
    XSKMAP(17, "4.18"),
    SOCKHASH(18, "4.18"),
    CGROUP_STORAGE(19, "4.19"),
    REUSEPORT_SOCKARRAY(20, "4.19"),
    PERCPU_CGROUP_STORAGE(21, "4.20"),
    QUEUE(22, "4.20"),
    STACK(23, "4.20"),
    SK_STORAGE(24, "5.2"),
    DEVMAP_HASH(25, "5.4"),
    STRUCT_OPS(26, "5.6"),
    RINGBUF(27, "5.8"),
    INODE_STORAGE(28, "5.10"),
    TASK_STORAGE(29, "5.11"),
    BLOOM_FILTER(30, "5.16"),
    USER_RINGBUF(31, "6.1"),
    CGRP_STORAGE(32, "6.2"),
    ARENA(33, "6.9");

    private static final MapType[] BY_VALUE = values();

    private final int value;
    private final String since;

    MapType(int value, String since) {
        this.value = value;
        this.since = since;
    }

    /** The value of {@code BPF_MAP_TYPE_*}. */
    public int value() {
        return value;
    }

    /** The first kernel release with this map type. */
    public String since() {
        return since;
    }

    /** The kernel's constant name, e.g. {@code BPF_MAP_TYPE_HASH}. */
    public String kernelName() {
        return "BPF_MAP_TYPE_" + name();
    }

    /** Whether each value is stored once per possible CPU (lookups return all copies). */
    public boolean isPerCpu() {
        return this == PERCPU_HASH || this == PERCPU_ARRAY || this == LRU_PERCPU_HASH
                || this == PERCPU_CGROUP_STORAGE;
    }

    /**
     * Which of max_entries and the value size a map of this type leaves at 0 where the kernel
     * needs it ("max entries", "value size", both joined by "and", or null): objects that leave
     * them to user space (libbpf's bpf_map__set_max_entries/bpf_map__set_value_size) cannot be
     * created as they are. Kernel rules (each type's map_alloc_check): local storages and cgroup
     * storage take max_entries 0; loaders size perf event arrays; ring buffers and arenas have no
     * value size; struct_ops maps are sized from BTF.
     */
    public static String unsetSizes(MapType type, int maxEntries, int valueSize) {
        if (type == null) {
            return null;
        }
        boolean entriesNeeded = switch (type) {
            case PERF_EVENT_ARRAY, SK_STORAGE, INODE_STORAGE, TASK_STORAGE, CGRP_STORAGE, CGROUP_STORAGE,
                    PERCPU_CGROUP_STORAGE, STRUCT_OPS -> false;
            default -> true;
        };
        boolean valueNeeded = switch (type) {
            case RINGBUF, USER_RINGBUF, ARENA, STRUCT_OPS -> false;
            default -> true;
        };
        boolean noEntries = entriesNeeded && maxEntries == 0;
        boolean noValue = valueNeeded && valueSize == 0;
        return noEntries && noValue ? "max entries and value size" : noEntries ? "max entries"
                : noValue ? "value size" : null;
    }

    /** PCPU_MIN_UNIT_SIZE: per-CPU map values, rounded up to 8 bytes, may be at most this (arraymap.c, hashtab.c). */
    public static final int MAX_PERCPU_VALUE_SIZE = 32768;
    /** MAX_BPF_STACK: hash keys may be at most this (hashtab.c: programs build keys on their stack). */
    public static final int MAX_HASH_KEY_SIZE = 512;

    /**
     * Which of the kernel's size limits for this type {@code keySize}/{@code valueSize} break (BPF_MAP_CREATE
     * then fails with E2BIG), or null when none that holds on every kernel and page size is broken. Limits
     * that depend on the page size (KMALLOC_MAX_SIZE for array and hash values) are not checked here.
     */
    public String sizeLimitBroken(int keySize, int valueSize) {
        if (isPerCpu() && ((valueSize + 7L) & ~7L) > MAX_PERCPU_VALUE_SIZE) {
            return "per-CPU values may be at most " + MAX_PERCPU_VALUE_SIZE + " bytes (PCPU_MIN_UNIT_SIZE)";
        }
        if (isHash() && keySize > MAX_HASH_KEY_SIZE) {
            return "hash keys may be at most " + MAX_HASH_KEY_SIZE + " bytes (MAX_BPF_STACK)";
        }
        return null;
    }

    /** The hash table types (kernel/bpf/hashtab.c), which share its key and value limits. */
    public boolean isHash() {
        return this == HASH || this == LRU_HASH || this == PERCPU_HASH || this == LRU_PERCPU_HASH
                || this == HASH_OF_MAPS;
    }

    /** Whether every key in [0, max_entries) always exists (no delete, no BPF_NOEXIST). */
    public boolean isArray() {
        return this == ARRAY || this == PERCPU_ARRAY || this == PROG_ARRAY || this == PERF_EVENT_ARRAY
                || this == CGROUP_ARRAY || this == ARRAY_OF_MAPS;
    }

    /** The type with kernel value {@code value}, or null for one newer than bpflux knows. */
    public static MapType of(int value) {
        return value >= 0 && value < BY_VALUE.length ? BY_VALUE[value] : null;
    }
}
