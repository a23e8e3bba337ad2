package dev.bpflux.map;

/** Flags for {@code BPF_MAP_CREATE} ({@code map_flags}) and for element updates, from linux/bpf.h. */
public final class MapFlags {
    // map_flags
    /** Hash maps: do not preallocate elements (4.6). */
    public static final int BPF_F_NO_PREALLOC = 1 << 0;
    /** LRU maps: one LRU list per CPU instead of a common one (4.10). */
    public static final int BPF_F_NO_COMMON_LRU = 1 << 1;
    /** Honour {@code numa_node} (4.14). */
    public static final int BPF_F_NUMA_NODE = 1 << 2;
    /** User space may only read the map (4.15). */
    public static final int BPF_F_RDONLY = 1 << 3;
    /** User space may only write the map (4.15). */
    public static final int BPF_F_WRONLY = 1 << 4;
    /** Stack trace maps store build ids (4.17). */
    public static final int BPF_F_STACK_BUILD_ID = 1 << 5;
    /** Zero-seed the hash (testing only, 5.0). */
    public static final int BPF_F_ZERO_SEED = 1 << 6;
    /** Programs may only read the map (5.2). */
    public static final int BPF_F_RDONLY_PROG = 1 << 7;
    /** Programs may only write the map (5.2). */
    public static final int BPF_F_WRONLY_PROG = 1 << 8;
    /** Clone sk_storage on socket clone (5.2). */
    public static final int BPF_F_CLONE = 1 << 9;
    /** Array maps may be mmap'd (5.5); used for global data. */
    public static final int BPF_F_MMAPABLE = 1 << 10;
    /** Share perf event array entries across programs (5.10). */
    public static final int BPF_F_PRESERVE_ELEMS = 1 << 11;
    /** Inner map of a map-in-map may differ in max_entries (5.10). */
    public static final int BPF_F_INNER_MAP = 1 << 12;

    // update flags
    /** Create or replace. */
    public static final long BPF_ANY = 0;
    /** Create only; EEXIST if present. */
    public static final long BPF_NOEXIST = 1;
    /** Replace only; ENOENT if absent. */
    public static final long BPF_EXIST = 2;
    /** Take the value's bpf_spin_lock while copying (5.1). */
    public static final long BPF_F_LOCK = 4;

    private MapFlags() {
    }
}
