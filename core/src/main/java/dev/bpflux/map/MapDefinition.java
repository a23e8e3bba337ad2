package dev.bpflux.map;

import dev.bpflux.obj.MapType;

import java.util.Objects;

/**
 * What {@code BPF_MAP_CREATE} needs to create one map. Immutable; build with {@link #builder(MapType)}.
 *
 * <p>The name is truncated to 15 bytes and every character outside {@code [A-Za-z0-9_.]} becomes
 * {@code _}, because the kernel rejects other names with EINVAL (names arrived in 4.15; the dot
 * in 5.2).
 *
 * @param type            the map type
 * @param keySize         key bytes
 * @param valueSize       value bytes (per CPU for per-CPU maps)
 * @param maxEntries      capacity (ring buffers: data bytes, a power of two multiple of the page size)
 * @param flags           {@code map_flags}, see {@link MapFlags}
 * @param name            the sanitized name, possibly empty
 * @param btfFd           BTF object carrying the key/value types, or 0
 * @param btfKeyTypeId    key type id in that BTF, or 0
 * @param btfValueTypeId  value type id in that BTF, or 0
 * @param btfVmlinuxValueTypeId kernel struct type id for struct_ops maps, or 0
 * @param innerMapFd      template inner map for map-in-map types, or 0
 * @param mapExtra        per-type extra (bloom filter hash count, arena address; 5.16), or 0
 * @param numaNode        NUMA node when {@link MapFlags#BPF_F_NUMA_NODE} is set
 * @param ifindex         device for offloaded maps, or 0
 */
public record MapDefinition(MapType type, int keySize, int valueSize, int maxEntries, int flags, String name,
        int btfFd, int btfKeyTypeId, int btfValueTypeId, int btfVmlinuxValueTypeId, int innerMapFd,
        long mapExtra, int numaNode, int ifindex) {

    public MapDefinition {
        Objects.requireNonNull(type, "type");
        name = sanitizeName(name);
    }

    /** A builder for a map of {@code type}. */
    public static Builder builder(MapType type) {
        return new Builder(type);
    }

    /** A builder starting from this definition. */
    public Builder toBuilder() {
        Builder b = new Builder(type);
        b.keySize = keySize;
        b.valueSize = valueSize;
        b.maxEntries = maxEntries;
        b.flags = flags;
        b.name = name;
        b.btfFd = btfFd;
        b.btfKeyTypeId = btfKeyTypeId;
        b.btfValueTypeId = btfValueTypeId;
        b.btfVmlinuxValueTypeId = btfVmlinuxValueTypeId;
        b.innerMapFd = innerMapFd;
        b.mapExtra = mapExtra;
        b.numaNode = numaNode;
        b.ifindex = ifindex;
        return b;
    }

    /** Truncates to 15 bytes (BPF_OBJ_NAME_LEN - 1) and replaces characters the kernel refuses with '_'. */
    public static String sanitizeName(String name) {
        if (name == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(Math.min(name.length(), 15));
        for (int i = 0; i < name.length() && sb.length() < 15; i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                    || c == '.';
            sb.append(ok ? c : '_');
        }
        return sb.toString();
    }

    /** Mutable builder; {@link #build()} makes the immutable definition. */
    public static final class Builder {
        private final MapType type;
        private int keySize;
        private int valueSize;
        private int maxEntries;
        private int flags;
        private String name = "";
        private int btfFd;
        private int btfKeyTypeId;
        private int btfValueTypeId;
        private int btfVmlinuxValueTypeId;
        private int innerMapFd;
        private long mapExtra;
        private int numaNode;
        private int ifindex;

        private Builder(MapType type) {
            this.type = type;
        }

        public Builder keySize(int v) { keySize = v; return this; }
        public Builder valueSize(int v) { valueSize = v; return this; }
        public Builder maxEntries(int v) { maxEntries = v; return this; }
        public Builder flags(int v) { flags = v; return this; }
        public Builder name(String v) { name = v; return this; }
        public Builder btfFd(int v) { btfFd = v; return this; }
        public Builder btfKeyTypeId(int v) { btfKeyTypeId = v; return this; }
        public Builder btfValueTypeId(int v) { btfValueTypeId = v; return this; }
        public Builder btfVmlinuxValueTypeId(int v) { btfVmlinuxValueTypeId = v; return this; }
        public Builder innerMapFd(int v) { innerMapFd = v; return this; }
        public Builder mapExtra(long v) { mapExtra = v; return this; }
        public Builder numaNode(int v) { numaNode = v; return this; }
        public Builder ifindex(int v) { ifindex = v; return this; }

        public MapDefinition build() {
            return new MapDefinition(type, keySize, valueSize, maxEntries, flags, name, btfFd, btfKeyTypeId,
                    btfValueTypeId, btfVmlinuxValueTypeId, innerMapFd, mapExtra, numaNode, ifindex);
        }
    }
}
