package dev.bpflux.obj;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A map declared in an object's {@code SEC(".maps")} with BTF: the attributes from its
 * {@code __uint}/{@code __type}/{@code __array} members. Immutable; {@link #toBuilder()} and the
 * {@code with*} methods make changed copies.
 *
 * @param name         the map's variable name
 * @param type         map type
 * @param keySize      key size in bytes (from {@code key_size} or {@code sizeof} of the key type)
 * @param valueSize    value size in bytes
 * @param maxEntries   {@code max_entries}
 * @param flags        {@code map_flags} ({@code BPF_F_*})
 * @param pinning      {@code pinning}
 * @param numaNode     {@code numa_node}
 * @param mapExtra     {@code map_extra} (bloom filter hash count, arena address; Linux 5.16)
 * @param keyTypeId    BTF id of the key type, 0 when declared by size only
 * @param valueTypeId  BTF id of the value type, 0 when declared by size only (or map-in-map)
 * @param btfVarId     BTF id of the map's VAR in the {@code .maps} DATASEC
 * @param innerMap     for {@code ARRAY_OF_MAPS}/{@code HASH_OF_MAPS}: the inner map template from
 *                     {@code __array(values, struct {...})}, named {@code <outer>.inner}
 * @param initialValues slot index to the name of the map (map-in-map) or program (prog array) put there
 *                      by a {@code .values = { [i] = &x }} initializer
 */
public record MapSpec(String name, MapType type, int keySize, int valueSize, int maxEntries, int flags,
                      PinType pinning, int numaNode, long mapExtra, int keyTypeId, int valueTypeId, int btfVarId,
                      MapSpec innerMap, Map<Integer, String> initialValues) {
    public MapSpec {
        initialValues = Collections.unmodifiableMap(new TreeMap<>(initialValues));
    }

    public Optional<MapSpec> inner() {
        return Optional.ofNullable(innerMap);
    }

    public MapSpec withMaxEntries(int n) {
        return toBuilder().maxEntries(n).build();
    }

    /**
     * This map with another value size; its BTF key and value types are dropped when the size
     * changes, since the value type described the old size (the kernel checks the two agree).
     */
    public MapSpec withValueSize(int size) {
        if (size == valueSize) {
            return this;
        }
        return toBuilder().valueSize(size).keyTypeId(0).valueTypeId(0).build();
    }

    public MapSpec withFlags(int f) {
        return toBuilder().flags(f).build();
    }

    public MapSpec withPinning(PinType p) {
        return toBuilder().pinning(p).build();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public static Builder builder(String name, MapType type) {
        return new Builder(new MapSpec(name, type, 0, 0, 0, 0, PinType.NONE, 0, 0, 0, 0, 0, null, Map.of()));
    }

    /** Mutable builder; {@link #build()} makes the immutable spec. */
    public static final class Builder {
        private String name;
        private MapType type;
        private int keySize;
        private int valueSize;
        private int maxEntries;
        private int flags;
        private PinType pinning;
        private int numaNode;
        private long mapExtra;
        private int keyTypeId;
        private int valueTypeId;
        private int btfVarId;
        private MapSpec innerMap;
        private Map<Integer, String> initialValues;

        private Builder(MapSpec s) {
            name = s.name;
            type = s.type;
            keySize = s.keySize;
            valueSize = s.valueSize;
            maxEntries = s.maxEntries;
            flags = s.flags;
            pinning = s.pinning;
            numaNode = s.numaNode;
            mapExtra = s.mapExtra;
            keyTypeId = s.keyTypeId;
            valueTypeId = s.valueTypeId;
            btfVarId = s.btfVarId;
            innerMap = s.innerMap;
            initialValues = s.initialValues;
        }

        public Builder name(String v) { name = v; return this; }
        public Builder type(MapType v) { type = v; return this; }
        public Builder keySize(int v) { keySize = v; return this; }
        public Builder valueSize(int v) { valueSize = v; return this; }
        public Builder maxEntries(int v) { maxEntries = v; return this; }
        public Builder flags(int v) { flags = v; return this; }
        public Builder pinning(PinType v) { pinning = v; return this; }
        public Builder numaNode(int v) { numaNode = v; return this; }
        public Builder mapExtra(long v) { mapExtra = v; return this; }
        public Builder keyTypeId(int v) { keyTypeId = v; return this; }
        public Builder valueTypeId(int v) { valueTypeId = v; return this; }
        public Builder btfVarId(int v) { btfVarId = v; return this; }
        public Builder innerMap(MapSpec v) { innerMap = v; return this; }
        public Builder initialValues(Map<Integer, String> v) { initialValues = v; return this; }

        public MapSpec build() {
            return new MapSpec(name, type, keySize, valueSize, maxEntries, flags, pinning, numaNode, mapExtra,
                    keyTypeId, valueTypeId, btfVarId, innerMap, initialValues);
        }
    }
}
