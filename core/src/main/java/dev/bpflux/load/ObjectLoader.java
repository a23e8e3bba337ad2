package dev.bpflux.load;

import dev.bpflux.sys.PageSize;
import dev.bpflux.BpfException;
import dev.bpflux.sys.KernelObjectName;
import dev.bpflux.BpfNotSupportedException;
import dev.bpflux.BpfPermissionException;
import dev.bpflux.BpfSyscallException;
import dev.bpflux.BpfVerifierException;
import dev.bpflux.kernel.KernelVersion;
import dev.bpflux.kernel.PossibleCpus;
import dev.bpflux.map.BpfMap;
import dev.bpflux.map.MapDefinition;
import dev.bpflux.map.MapFlags;
import dev.bpflux.map.MapInfo;
import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.obj.DataSectionSpec;
import dev.bpflux.obj.ExternSpec;
import dev.bpflux.obj.Instructions;
import dev.bpflux.obj.MapSpec;
import dev.bpflux.obj.MapType;
import dev.bpflux.obj.PinType;
import dev.bpflux.obj.ProgramSpec;
import dev.bpflux.obj.Relocation;
import dev.bpflux.obj.VariableSpec;
import dev.bpflux.obj.VariableValue;
import dev.bpflux.obj.VariableValueParser;
import dev.bpflux.prog.LoadedBtf;
import dev.bpflux.obj.btf.Btf;
import dev.bpflux.obj.btf.BtfExt;
import dev.bpflux.obj.btf.BtfKind;
import dev.bpflux.obj.btf.BtfType;
import dev.bpflux.obj.extern.ExternResolution;
import dev.bpflux.prog.BpfProgram;
import dev.bpflux.prog.ProgramLoadRequest;
import dev.bpflux.sys.Bpf;
import dev.bpflux.sys.Errno;
import dev.bpflux.sys.MappedMemory;
import dev.bpflux.sys.OwnedFd;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One load of one object: the steps of libbpf's {@code bpf_object__load} in order. Per-program
 * loading: only the selected programs are linked; only the maps, data sections and externs they
 * reference are created and resolved.
 */
final class ObjectLoader {
    private static final System.Logger LOG = System.getLogger(ObjectLoader.class.getName());
    /** libbpf's marker for calls to a missing weak kfunc: an invalid helper id the verifier rejects only if reached. */
    static final int POISON_CALL_KFUNC_BASE = 2002000000;
    private static final String KCONFIG = ".kconfig";

    private final BpfObjectSpec spec;
    /** The data sections with the variables {@link LoadOptions#withVariable} set. */
    private final Map<String, DataSectionSpec> dataSections;
    private final LoadOptions options;
    private final String objectName;
    /** The door of this load (LoadOptions.withSystemCalls); every object created keeps it. */
    private final Bpf bpf;
    private final List<AutoCloseable> toCloseOnFailure = new ArrayList<>();
    /** Maps pinned by name: removed again (with a pin directory made for them) if the load fails. */
    private final PinTransaction pins = new PinTransaction();
    private DefaultExterns defaultExterns;
    private KconfigLayout kconfigLayout;
    private CoreRelocations core;

    ObjectLoader(BpfObjectSpec spec, LoadOptions options) {
        this.spec = spec;
        this.dataSections = applyVariables(spec, options);
        this.options = options;
        this.objectName = objectName(spec.name());
        this.bpf = Bpf.of(options.systemCalls());
    }

    /** libbpf's object name: the file's base name up to its first '.'. */
    static String objectName(String path) {
        String base = path;
        int slash = base.lastIndexOf('/');
        if (slash >= 0) {
            base = base.substring(slash + 1);
        }
        int dot = base.indexOf('.');
        return dot >= 0 ? base.substring(0, dot) : base;
    }

    /**
     * The kernel name libbpf gives a global data section's map: up to 8 characters of the object name
     * then the section name ({@code globals.data}, {@code globals.rodata}); a section name with a
     * second dot ({@code .data.foo}, {@code .rodata.str1.1}) is used alone. Truncated to 15 bytes.
     */
    static String internalMapName(String objectName, String section) {
        int sfxLen = Math.max(7, section.length());
        int pfxLen = section.indexOf('.', 1) >= 0 ? 0 : Math.min(16 - sfxLen - 1, objectName.length());
        pfxLen = Math.max(0, pfxLen);
        String name = objectName.substring(0, pfxLen) + section;
        return KernelObjectName.sanitize(name);
    }

    private static Map<String, DataSectionSpec> applyVariables(BpfObjectSpec spec, LoadOptions options) {
        Map<String, DataSectionSpec> sections = new LinkedHashMap<>();
        for (DataSectionSpec d : spec.dataSections()) {
            sections.put(d.name(), d);
        }
        for (Map.Entry<String, VariableValue> e : options.variables().entrySet()) {
            String name = e.getKey();
            // Checked against the variable's BTF type; names the variables there are when there is no such one.
            byte[] value = VariableValueParser.encode(spec, name, e.getValue());
            DataSectionSpec holder = sections.values().stream().filter(d -> d.variable(name).isPresent())
                    .findFirst().orElseThrow();
            sections.put(holder.name(), holder.withVariable(name, value));
        }
        return sections;
    }

    BpfObject load() {
        try {
            return doLoad();
        } catch (RuntimeException | Error e) {
            pins.rollback(e);
            for (int i = toCloseOnFailure.size() - 1; i >= 0; i--) {
                try {
                    toCloseOnFailure.get(i).close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private BpfObject doLoad() {
        // 1. Which programs, linked with their subprograms.
        List<ProgramSpec> selected = selectPrograms();
        ProgramLinker linker = new ProgramLinker(spec);
        List<ProgramLinker.LinkedProgram> linked = new ArrayList<>();
        for (ProgramSpec p : selected) {
            linked.add(linker.link(p));
        }

        // 2. What they use.
        Set<String> usedMaps = new LinkedHashSet<>(options.mapsToCreate());
        Set<String> usedSections = new LinkedHashSet<>();
        Set<String> usedExterns = new LinkedHashSet<>();
        for (String m : options.mapsToCreate()) {
            if (spec.map(m).isEmpty() && spec.dataSection(m).isEmpty()) {
                throw new BpfException("LoadOptions.withMapsToCreate: no map '" + m + "' in " + spec.name()
                        + "; maps: " + spec.maps().stream().map(MapSpec::name).toList());
            }
            if (spec.dataSection(m).isPresent()) {
                usedSections.add(m);
            }
        }
        for (String m : options.maxEntries().keySet()) {
            if (spec.map(m).isEmpty()) {
                throw new BpfException("LoadOptions.withMaxEntries: no map '" + m + "' in " + spec.name()
                        + "; maps: " + spec.maps().stream().map(MapSpec::name).toList());
            }
        }
        for (String m : options.valueSizes().keySet()) {
            if (spec.map(m).isEmpty()) {
                throw new BpfException("LoadOptions.withValueSize: no map '" + m + "' in " + spec.name()
                        + "; maps: " + spec.maps().stream().map(MapSpec::name).toList());
            }
        }
        for (ProgramLinker.LinkedProgram lp : linked) {
            ProgramUses uses = ProgramUses.of(spec, lp);
            uses.maps().forEach(m -> usedMaps.add(m.name()));
            usedSections.addAll(uses.dataSections());
            uses.externs().forEach(e -> usedExterns.add(e.name()));
        }

        // 3. Externs: only those referenced.
        Map<String, ExternResolution> externs = resolveExterns(usedExterns);
        boolean needKconfig = false;
        for (String e : usedExterns) {
            if (spec.extern(e).get().kind() == ExternSpec.Kind.KCONFIG) {
                needKconfig = true;
            }
        }

        // 4. BTF.
        LoadedBtf btf = loadBtf(usedMaps);

        // 5. Maps.
        Map<String, BpfMap> maps = new LinkedHashMap<>();
        for (MapSpec m : spec.maps()) {
            if (usedMaps.contains(m.name())) {
                maps.put(m.name(), createUserMap(m, btf, maps));
            }
        }
        Map<String, BpfObject.DataSection> data = new LinkedHashMap<>();
        for (DataSectionSpec d : dataSections.values()) {
            if (usedSections.contains(d.name())) {
                BpfObject.DataSection ds = createDataMap(d, btf);
                data.put(d.name(), ds);
                maps.put(d.name(), ds.map());
            }
        }
        if (needKconfig) {
            BpfObject.DataSection ds = createKconfigMap(btf, externs);
            data.put(KCONFIG, ds);
            maps.put(KCONFIG, ds.map());
        }

        BpfObject obj = new BpfObject(spec, objectName, maps, data, btf, pins);
        toCloseOnFailure.clear();
        toCloseOnFailure.add(obj);

        // 6. Programs.
        for (ProgramLinker.LinkedProgram lp : linked) {
            obj.addProgram(loadProgram(obj, lp, maps, data, externs, btf));
        }

        // libbpf binds .rodata to every program (BPF_PROG_BIND_MAP, 5.10) so values only user space
        // reads stay alive with the programs; same here when .rodata exists.
        BpfObject.DataSection rodata = data.get(".rodata");
        if (rodata != null) {
            for (ObjectProgram p : obj.programs()) {
                try {
                    p.program().bindMap(rodata.map().fd());
                } catch (BpfException e) {
                    LOG.log(System.Logger.Level.DEBUG, "BPF_PROG_BIND_MAP unavailable: " + e.getMessage());
                    break;
                }
            }
        }

        // 7. Program arrays' .values, now that programs have fds.
        for (MapSpec m : spec.maps()) {
            BpfMap map = maps.get(m.name());
            if (map == null || m.type() != MapType.PROG_ARRAY || m.initialValues().isEmpty()) {
                continue;
            }
            for (Map.Entry<Integer, String> slot : m.initialValues().entrySet()) {
                ObjectProgram p;
                try {
                    p = obj.program(slot.getValue());
                } catch (BpfException notLoaded) {
                    continue; // per-program loading: a slot for a program not loaded stays empty
                }
                map.update(u32(slot.getKey()), u32(p.fd().fd()));
            }
        }
        return obj;
    }

    /** The programs to load, as the options set them (attach target, type); each of a known type. */
    private List<ProgramSpec> selectPrograms() {
        for (String name : options.programSettings().keySet()) {
            if (spec.program(name).isEmpty()) {
                throw new BpfException("LoadOptions.withAttachTarget/withProgramType: no program '" + name + "' in "
                        + spec.name() + "; programs: " + spec.programs().stream().map(ProgramSpec::name).toList());
            }
        }
        List<ProgramSpec> out = new ArrayList<>();
        if (options.programsToLoad().isEmpty()) {
            out.addAll(spec.programs());
        } else {
            for (String name : options.programsToLoad()) {
                out.add(spec.program(name).orElseThrow(() -> new BpfException("no program '" + name + "' in "
                        + spec.name() + "; programs: " + spec.programs().stream().map(ProgramSpec::name).toList())));
            }
            // Keep object order, as libbpf loads them.
            out.sort(java.util.Comparator.comparingInt(spec.programs()::indexOf));
        }
        out.replaceAll(options::program);
        for (ProgramSpec p : out) {
            if (!p.typeKnown()) {
                throw new BpfException(spec.name() + ": " + ProgramUses.unknownSection(p));
            }
        }
        return out;
    }

    // ---- externs

    private Map<String, ExternResolution> resolveExterns(Set<String> used) {
        Map<String, ExternResolution> out = new HashMap<>();
        if (used.isEmpty()) {
            return out;
        }
        ExternSource source = options.externSource().orElseGet(() -> {
            defaultExterns = DefaultExterns.create(spec, options);
            return defaultExterns;
        });
        List<ExternSpec> specs = new ArrayList<>();
        for (String name : used) {
            specs.add(spec.extern(name).orElseThrow(() -> new BpfException(spec.name()
                    + ": relocation references unknown extern '" + name + "'")));
        }
        Map<ExternSpec, ExternResolution> resolved = source.resolveAll(specs);
        for (ExternSpec e : specs) {
            ExternResolution v = resolved.get(e);
            if (v == null) {
                v = new ExternResolution.Unresolved("the extern source gave no answer for it");
            }
            if (v instanceof ExternResolution.Unresolved && e.weak()) {
                v = new ExternResolution.WeakMissing(((ExternResolution.Unresolved) v).message());
            }
            out.put(e.name(), v);
        }
        return out;
    }

    // ---- BTF

    private LoadedBtf loadBtf(Set<String> usedMaps) {
        Btf objBtf = spec.btf().orElse(null);
        if (objBtf == null) {
            return null;
        }
        try {
            byte[] blob = ObjectBtfFixer.fix(spec, objBtf, LoaderFacts.btfFeatures(bpf));
            LoadedBtf b = LoadedBtf.load(bpf, blob, spec.name());
            toCloseOnFailure.add(b);
            return b;
        } catch (BpfException e) {
            for (String m : usedMaps) {
                MapSpec ms = spec.map(m).orElse(null);
                if (ms != null && MapBtfNeeds.needsBtf(objBtf, ms)) {
                    throw new BpfException("map '" + m + "' of " + spec.name() + " needs BTF (kptr, spin lock, timer "
                            + "or local storage) but the kernel refused the object's BTF: " + e.getMessage(), e);
                }
            }
            LOG.log(System.Logger.Level.WARNING, "continuing without BTF for " + spec.name()
                    + " (no source lines in verifier logs, maps without BTF types): " + e.getMessage());
            return null;
        }
    }

    // ---- maps

    /** libbpf creates these without BTF key/value types, which the kernel rejects for them. */
    private static boolean takesNoBtf(MapType t) {
        switch (t) {
            case PERF_EVENT_ARRAY: case CGROUP_ARRAY: case STACK_TRACE: case ARRAY_OF_MAPS: case HASH_OF_MAPS:
            case DEVMAP: case DEVMAP_HASH: case CPUMAP: case XSKMAP: case SOCKMAP: case SOCKHASH: case QUEUE:
            case STACK: case ARENA:
                return true;
            default:
                return false;
        }
    }

    private BpfMap createUserMap(MapSpec m, LoadedBtf btf, Map<String, BpfMap> created) {
        int maxEntries = options.maxEntries().getOrDefault(m.name(), m.maxEntries());
        if (m.type() == MapType.PERF_EVENT_ARRAY && maxEntries == 0) {
            maxEntries = PossibleCpus.system().count();
        }
        if ((m.type() == MapType.RINGBUF || m.type() == MapType.USER_RINGBUF) && maxEntries > 0) {
            maxEntries = ringbufSize(maxEntries);
        }
        MapSpec effective = m.withMaxEntries(maxEntries);
        Integer valueSize = options.valueSizes().get(m.name());
        if (valueSize != null && valueSize != m.valueSize()) {
            effective = effective.withValueSize(valueSize);
        }
        Path pinPath = null;
        if (m.pinning() == PinType.BY_NAME) {
            pinPath = PinTransaction.path(options.pinDirectory(), m.name(), "map '" + m.name() + "' of " + spec.name());
            pins.directory(options.pinDirectory());
        }
        if (pinPath != null && Files.exists(pinPath)) {
            BpfMap pinned = BpfMap.openPinned(bpf, pinPath);
            toCloseOnFailure.add(pinned);
            checkCompatible(effective, pinned, pinPath);
            return pinned;
        }
        BpfMap inner = null;
        if (m.innerMap() != null) {
            inner = create(m.innerMap(), m.innerMap().maxEntries(), btf, 0);
        }
        BpfMap map;
        try {
            map = create(effective, maxEntries, btf, inner == null ? 0 : inner.fd().fd());
        } finally {
            if (inner != null) {
                inner.close(); // the kernel keeps what it needs of the template
            }
        }
        toCloseOnFailure.add(map);
        if ((m.type() == MapType.ARRAY_OF_MAPS || m.type() == MapType.HASH_OF_MAPS)) {
            for (Map.Entry<Integer, String> slot : m.initialValues().entrySet()) {
                BpfMap value = created.get(slot.getValue());
                if (value == null) {
                    throw new BpfException("map '" + m.name() + "' slot " + slot.getKey() + " names map '"
                            + slot.getValue() + "', which must be declared before it in " + spec.name());
                }
                map.update(u32(slot.getKey()), u32(value.fd().fd()));
            }
        }
        if (pinPath != null) {
            pins.pin(pinPath, map::pin);
        }
        return map;
    }

    /** Ring buffer sizes must be a power-of-two multiple of the page size; libbpf rounds up likewise. */
    static int ringbufSize(int requested) {
        int page = PageSize.VALUE;
        long size = page;
        while (size < requested) {
            size <<= 1;
        }
        return (int) Math.min(size, 1 << 30);
    }

    private BpfMap create(MapSpec m, int maxEntries, LoadedBtf btf, int innerFd) {
        MapDefinition.Builder b = MapDefinition.builder(m.type()).keySize(m.keySize())
                .valueSize(m.valueSize()).maxEntries(maxEntries).flags(m.flags()).name(m.name())
                .mapExtra(m.mapExtra()).numaNode(m.numaNode()).innerMapFd(innerFd);
        boolean withBtf = btf != null && !takesNoBtf(m.type()) && (m.keyTypeId() != 0 || m.valueTypeId() != 0);
        if (withBtf) {
            b.btfFd(btf.fd().fd()).btfKeyTypeId(m.keyTypeId()).btfValueTypeId(m.valueTypeId());
        }
        try {
            return BpfMap.create(bpf, b.build());
        } catch (BpfNotSupportedException e) {
            throw e;
        } catch (BpfException e) {
            if (!withBtf || MapBtfNeeds.needsBtf(spec.btf().get(), m) || !btfMayBeTheCause(e)) {
                throw new BpfException("creating map '" + m.name() + "' of " + spec.name() + " failed: "
                        + e.getMessage(), e);
            }
            // As libbpf: retry without BTF types (older kernels reject some value types).
            LOG.log(System.Logger.Level.WARNING, "map '" + m.name() + "': retrying without BTF: " + e.getMessage());
            return BpfMap.create(bpf, b.btfFd(0).btfKeyTypeId(0).btfValueTypeId(0).build());
        }
    }

    /** A size limit (E2BIG), lack of memory or of privilege stays without BTF: retrying would only hide it. */
    private static boolean btfMayBeTheCause(BpfException e) {
        return !(e instanceof BpfPermissionException)
                && !(e instanceof BpfSyscallException s && (s.errno() == Errno.E2BIG || s.errno() == Errno.ENOMEM));
    }

    private static void checkCompatible(MapSpec want, BpfMap pinned, Path path) {
        MapInfo have = pinned.info();
        List<String> diffs = new ArrayList<>();
        if (have.typeNumber() != want.type().value()) {
            diffs.add("type " + (have.type() == null ? have.typeNumber() : have.type().kernelName()) + " != "
                    + want.type());
        }
        if (have.keySize() != want.keySize()) {
            diffs.add("key size " + have.keySize() + " != " + want.keySize());
        }
        if (have.valueSize() != want.valueSize()) {
            diffs.add("value size " + have.valueSize() + " != " + want.valueSize());
        }
        if (have.maxEntries() != want.maxEntries()) {
            diffs.add("max entries " + have.maxEntries() + " != " + want.maxEntries());
        }
        if (have.flags() != want.flags()) {
            diffs.add("flags 0x" + Integer.toHexString(have.flags()) + " != 0x" + Integer.toHexString(want.flags()));
        }
        if (have.mapExtra() != want.mapExtra()) {
            diffs.add("map_extra " + have.mapExtra() + " != " + want.mapExtra());
        }
        if (!diffs.isEmpty()) {
            pinned.close();
            throw new BpfException("map '" + want.name() + "' is pinned at " + path + " but the pinned map differs ("
                    + String.join(", ", diffs) + "); remove the pin (rm " + path + ") or use another pin directory");
        }
    }

    private BpfObject.DataSection createDataMap(DataSectionSpec d, LoadedBtf btf) {
        return createArrayOfOne(d.name(), d.size(), d.readOnly(), d.btfTypeId(), d.variables(),
                d.initialBytes(), btf);
    }

    private BpfObject.DataSection createKconfigMap(LoadedBtf btf, Map<String, ExternResolution> externs) {
        KconfigLayout layout = kconfigLayout();
        byte[] value = new byte[Math.max(layout.size(), 1)];
        List<VariableSpec> vars = new ArrayList<>();
        for (ExternSpec e : spec.externs()) {
            if (e.kind() != ExternSpec.Kind.KCONFIG) {
                continue;
            }
            int off = layout.offset(e);
            vars.add(new VariableSpec(e.name(), off, e.size(), e.typeId(), BtfType.VarLinkage.GLOBAL_ALLOCATED));
            ExternResolution v = externs.get(e.name());
            if (v instanceof ExternResolution.KconfigValue) {
                byte[] b = ((ExternResolution.KconfigValue) v).bytes();
                System.arraycopy(b, 0, value, off, Math.min(b.length, e.size()));
            }
        }
        int datasec = spec.btf().flatMap(b -> b.findFirst(KCONFIG, BtfKind.DATASEC)).orElse(0);
        return createArrayOfOne(KCONFIG, value.length, true, datasec, vars, value, btf);
    }

    private BpfObject.DataSection createArrayOfOne(String section, int size, boolean readOnly, int datasecId,
                                                   List<VariableSpec> vars, byte[] initial, LoadedBtf btf) {
        int flags = readOnly ? MapFlags.BPF_F_RDONLY_PROG : 0;
        // libbpf makes a data map mmapable when its DATASEC has a non-static variable.
        boolean hasGlobal = datasecId != 0 && vars.stream().anyMatch(v -> v.linkage() != BtfType.VarLinkage.STATIC);
        boolean mmapable = hasGlobal && LoaderFacts.mmapableArrays(bpf);
        if (mmapable) {
            flags |= MapFlags.BPF_F_MMAPABLE;
        }
        MapDefinition.Builder b = MapDefinition.builder(dev.bpflux.obj.MapType.ARRAY).keySize(4)
                .valueSize(Math.max(size, 1)).maxEntries(1).flags(flags).name(internalMapName(objectName, section));
        if (btf != null && datasecId != 0) {
            b.btfFd(btf.fd().fd()).btfValueTypeId(datasecId);
        }
        BpfMap map = BpfMap.create(bpf, b.build());
        toCloseOnFailure.add(map);
        byte[] value = size == 0 ? new byte[1] : initial;
        map.update(new byte[4], value);
        if (readOnly) {
            map.freeze();
        }
        MappedMemory memory = null;
        if (mmapable) {
            memory = map.mmap(!readOnly);
            toCloseOnFailure.add(memory);
        }
        DataSectionSpec ds = new DataSectionSpec(section, Math.max(size, 1), readOnly, datasecId, vars,
                value.length == Math.max(size, 1) ? value : new byte[Math.max(size, 1)]);
        return new BpfObject.DataSection(ds, map, memory);
    }

    // ---- programs

    private ObjectProgram loadProgram(BpfObject obj, ProgramLinker.LinkedProgram lp, Map<String, BpfMap> maps,
                                      Map<String, BpfObject.DataSection> data, Map<String, ExternResolution> externs,
                                      LoadedBtf btf) {
        ProgramSpec p = lp.program();
        long[] insns = lp.insns();
        List<dev.bpflux.obj.core.CoreOutcome> poisoned = List.of();
        if (!lp.coreRelocations().isEmpty()) {
            if (core == null) {
                core = new CoreRelocations(spec);
            }
            insns = core.apply(p, insns, lp.coreRelocations());
            poisoned = core.lastPoisoned();
        }
        List<OwnedFd> moduleBtfs = new ArrayList<>();
        Map<Integer, Integer> fdArrayIndex = new HashMap<>();
        List<Integer> fdArray = new ArrayList<>();
        try {
            for (Relocation r : lp.relocations()) {
                int i = r.insnIndex();
                if (r instanceof Relocation.MapReference) {
                    String name = ((Relocation.MapReference) r).mapName();
                    needLdImm64(p, insns, i, "map '" + name + "'");
                    insns[i] = Instructions.withImm(Instructions.withSrc(insns[i], Instructions.PSEUDO_MAP_FD),
                            maps.get(name).fd().fd());
                    insns[i + 1] = Instructions.withImm(insns[i + 1], 0);
                } else if (r instanceof Relocation.DataReference) {
                    Relocation.DataReference d = (Relocation.DataReference) r;
                    needLdImm64(p, insns, i, "global data in " + d.sectionName());
                    insns[i] = Instructions.withImm(Instructions.withSrc(insns[i], Instructions.PSEUDO_MAP_VALUE),
                            data.get(d.sectionName()).map().fd().fd());
                    insns[i + 1] = Instructions.withImm(insns[i + 1], (int) d.offset());
                } else if (r instanceof Relocation.ExternReference) {
                    Relocation.ExternReference x = (Relocation.ExternReference) r;
                    ExternSpec e = spec.extern(x.externName()).get();
                    applyExtern(p, insns, x, e, externs.get(e.name()), data, moduleBtfs, fdArrayIndex, fdArray);
                }
            }
            ProgramLoadRequest.Builder req = ProgramLoadRequest.builder(p.type(), toBytes(insns))
                    .name(p.name()).license(spec.license())
                    .kernelVersion(spec.kernelVersion().orElseGet(() -> KernelVersion.current().code()))
                    .expectedAttachType(p.expectedAttachType().orElse(null))
                    .logLevel(options.logLevel());
            int flags = 0;
            if (p.sleepable()) {
                flags |= ProgramLoadRequest.BPF_F_SLEEPABLE;
            }
            if (p.section().xdpFrags()) {
                flags |= ProgramLoadRequest.BPF_F_XDP_HAS_FRAGS;
            }
            req.flags(flags);
            if (p.section().attachBtf()) {
                AttachTargets.Target t = AttachTargets.resolve(bpf, p);
                req.attachBtfId(t.btfId());
                if (t.moduleBtf() != null) {
                    moduleBtfs.add(t.moduleBtf());
                    req.attachBtfObjFd(t.moduleBtf().fd());
                }
            }
            if (btf != null && !lp.funcInfos().isEmpty()) {
                req.progBtfFd(btf.fd().fd());
                req.funcInfo(funcInfoBytes(lp.funcInfos()), BtfExt.FUNC_INFO_SIZE);
                if (!lp.lineInfos().isEmpty()) {
                    req.lineInfo(lineInfoBytes(lp.lineInfos()), BtfExt.LINE_INFO_SIZE);
                }
            }
            if (!fdArray.isEmpty()) {
                int[] a = new int[fdArray.size() + 1];
                for (int k = 0; k < fdArray.size(); k++) {
                    a[k + 1] = fdArray.get(k);
                }
                req.fdArray(a);
            }
            BpfProgram prog;
            try {
                prog = BpfProgram.load(bpf, req.build());
            } catch (BpfVerifierException e) {
                if (defaultExterns != null && !externs.isEmpty()) {
                    java.util.Optional<String> why = defaultExterns.explainLoadFailure(e.log());
                    if (why.isPresent()) {
                        throw new BpfNotSupportedException("typed __ksym variables", "program '" + p.name()
                                + "': " + why.get(), e);
                    }
                }
                String explanation = explainRejection(e, poisoned);
                if (e.program().equals(p.name()) && explanation == null) {
                    throw e;
                }
                // The kernel's name is truncated to 15 bytes; the error names the program in full, and
                // says which poisoned CO-RE relocation or missing weak kfunc a rejected call stands for.
                throw new BpfVerifierException(p.name(), e.errno(), Errno.name(e.errno()), e.log(), explanation);
            } catch (BpfNotSupportedException | BpfSyscallException e) {
                throw namedInFull(e, KernelObjectName.sanitize(p.name()), p.name());
            }
            return new ObjectProgram(obj, p, prog, insns.length);
        } finally {
            moduleBtfs.forEach(OwnedFd::close);
        }
    }

    /**
     * {@code e} (from BPF_PROG_LOAD, which names the program as the kernel keeps it: 15 bytes) naming the
     * program in full, so that a refused {@code blk_account_io_start} is not reported as {@code blk_account_io_}.
     * Same exception type and errno; {@code e} itself when the name was not truncated.
     */
    static BpfException namedInFull(BpfException e, String kernelName, String fullName) {
        String quoted = "program '" + kernelName + "'";
        String msg = e.getMessage();
        if (kernelName.equals(fullName) || msg == null || !msg.contains(quoted)) {
            return e;
        }
        String full = "program '" + fullName + "'";
        BpfException renamed;
        if (e instanceof BpfNotSupportedException n) {
            String prefix = n.missingInBpflux() ? "bpflux does not support " + n.feature() + " yet: "
                    : n.feature() + " is not supported by this kernel: ";
            String detail = (msg.startsWith(prefix) ? msg.substring(prefix.length()) : msg).replace(quoted, full);
            renamed = n.missingInBpflux() ? BpfNotSupportedException.inBpflux(n.feature(), detail)
                    : new BpfNotSupportedException(n.feature(), detail, e.getCause());
        } else if (e instanceof BpfSyscallException s && !(e instanceof BpfVerifierException)) {
            String operation = s.operation().replace(quoted, full);
            String plain = s.operation() + " failed with " + Errno.name(s.errno()) + " (" + s.errno() + "): "
                    + Errno.describe(s.errno());
            String hint = msg.startsWith(plain + "; ") ? msg.substring(plain.length() + 2) : null;
            renamed = e instanceof BpfPermissionException
                    ? new BpfPermissionException(operation, s.errno(), Errno.name(s.errno()), Errno.describe(s.errno()),
                            hint)
                    : new BpfSyscallException(operation, s.errno(), Errno.name(s.errno()), Errno.describe(s.errno()),
                            hint);
        } else {
            return e;
        }
        renamed.setStackTrace(e.getStackTrace());
        return renamed;
    }

    private void applyExtern(ProgramSpec p, long[] insns, Relocation.ExternReference x, ExternSpec e, ExternResolution v,
                             Map<String, BpfObject.DataSection> data, List<OwnedFd> moduleBtfs,
                             Map<Integer, Integer> fdArrayIndex, List<Integer> fdArray) {
        int i = x.insnIndex();
        if (v instanceof ExternResolution.Unresolved) {
            throw new BpfException("program '" + p.name() + "' of " + spec.name() + " references " + kindName(e)
                    + " '" + e.name() + "', which did not resolve on this kernel: "
                    + ((ExternResolution.Unresolved) v).message());
        }
        if (e.kind() == ExternSpec.Kind.KCONFIG) {
            needLdImm64(p, insns, i, "kconfig extern '" + e.name() + "'");
            insns[i] = Instructions.withImm(Instructions.withSrc(insns[i], Instructions.PSEUDO_MAP_VALUE),
                    data.get(KCONFIG).map().fd().fd());
            insns[i + 1] = Instructions.withImm(insns[i + 1], kconfigLayout().offset(e));
            return;
        }
        if (x.call()) {
            if (v instanceof ExternResolution.Kfunc) {
                ExternResolution.Kfunc f = (ExternResolution.Kfunc) v;
                int off = 0;
                if (f.moduleBtfObjId() != 0) {
                    off = fdArrayIndex.computeIfAbsent(f.moduleBtfObjId(), id -> {
                        OwnedFd fd = LoaderFacts.btfObject(bpf, id);
                        moduleBtfs.add(fd);
                        fdArray.add(fd.fd());
                        return fdArray.size();
                    });
                }
                insns[i] = Instructions.withOff(Instructions.withImm(Instructions.withSrc(insns[i],
                        Instructions.PSEUDO_KFUNC_CALL), f.btfId()), off);
            } else if (v instanceof ExternResolution.WeakMissing) {
                int index = spec.externs().indexOf(e);
                insns[i] = Instructions.encode(Instructions.OP_CALL, 0, 0, 0, POISON_CALL_KFUNC_BASE + index);
            } else {
                throw new BpfException("program '" + p.name() + "' calls '" + e.name() + "', which resolved to " + v
                        + ", not a kernel function");
            }
            return;
        }
        needLdImm64(p, insns, i, "ksym '" + e.name() + "'");
        if (v instanceof ExternResolution.KsymVariable || v instanceof ExternResolution.Kfunc) {
            int btfId = v instanceof ExternResolution.KsymVariable ? ((ExternResolution.KsymVariable) v).btfId()
                    : ((ExternResolution.Kfunc) v).btfId();
            int module = v instanceof ExternResolution.KsymVariable ? ((ExternResolution.KsymVariable) v).moduleBtfObjId()
                    : ((ExternResolution.Kfunc) v).moduleBtfObjId();
            int moduleFd = 0;
            if (module != 0) {
                OwnedFd fd = LoaderFacts.btfObject(bpf, module);
                moduleBtfs.add(fd);
                moduleFd = fd.fd();
            }
            insns[i] = Instructions.withImm(Instructions.withSrc(insns[i], Instructions.PSEUDO_BTF_ID), btfId);
            insns[i + 1] = Instructions.withImm(insns[i + 1], moduleFd);
        } else if (v instanceof ExternResolution.KsymAddress) {
            long addr = ((ExternResolution.KsymAddress) v).address();
            insns[i] = Instructions.withImm(Instructions.withSrc(insns[i], 0), (int) addr);
            insns[i + 1] = Instructions.withImm(insns[i + 1], (int) (addr >>> 32));
        } else if (v instanceof ExternResolution.WeakMissing) {
            insns[i] = Instructions.withImm(Instructions.withSrc(insns[i], 0), 0);
            insns[i + 1] = Instructions.withImm(insns[i + 1], 0);
        } else {
            throw new BpfException("ksym '" + e.name() + "' resolved to " + v + ", which an ld_imm64 cannot take");
        }
    }

    /**
     * What the instruction the verifier rejected stands for, when bpflux put it there, in one line (as
     * libbpf rewrites its logs): {@code call unknown#195896080} (0xbad2310) is a CO-RE relocation the
     * kernel's BTF could not satisfy, {@code call unknown#2002000000+i} a call to weak kfunc extern
     * {@code i} the kernel lacks. Null when the rejected instruction is the program's own.
     */
    private String explainRejection(BpfVerifierException e, List<dev.bpflux.obj.core.CoreOutcome> poisoned) {
        BpfVerifierException.Rejection r = e.rejection().orElse(null);
        if (r == null) {
            return null;
        }
        int at = r.instruction();
        if (r.instructionText().equals("call unknown#" + dev.bpflux.obj.core.CoreRelocator.POISON_HELPER_ID)) {
            for (dev.bpflux.obj.core.CoreOutcome o : poisoned) {
                // A poisoned ld_imm64 is poisoned in both slots; the verifier reaches the first.
                int insn = o.relocation().insnIndex();
                if (insn == at || insn + 1 == at) {
                    String d = o.description();
                    int arrow = d.indexOf(" -> poisoned: ");
                    String what = arrow < 0 ? d : d.substring(0, arrow);
                    String why = arrow < 0 ? "no candidate in the kernel's BTF" : d.substring(arrow + 14);
                    return "instruction " + at + " is CO-RE relocation " + o.relocation().kind() + " of " + what
                            + ", which this kernel cannot satisfy: " + why + "; guard the access with "
                            + "bpf_core_field_exists(), bpf_core_type_exists() or bpf_core_enum_value_exists()";
                }
            }
            return "instruction " + at + " is a CO-RE relocation this kernel cannot satisfy (bpflux replaced it by a "
                    + "call to helper 0xbad2310)";
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("call unknown#(2002\\d{6})")
                .matcher(r.instructionText());
        if (m.matches()) {
            int index = Integer.parseInt(m.group(1)) - POISON_CALL_KFUNC_BASE;
            if (index >= 0 && index < spec.externs().size()) {
                return "instruction " + at + " calls __weak kfunc '" + spec.externs().get(index).name()
                        + "', which this kernel lacks; guard the call with bpf_ksym_exists()";
            }
        }
        return null;
    }

    private KconfigLayout kconfigLayout() {
        if (kconfigLayout == null) {
            kconfigLayout = KconfigLayout.of(spec);
        }
        return kconfigLayout;
    }

    private static String kindName(ExternSpec e) {
        switch (e.kind()) {
            case KCONFIG:
                return "kconfig value";
            case KFUNC:
                return "kfunc";
            case KSYM_VARIABLE:
                return "typed kernel symbol";
            default:
                return "kernel symbol";
        }
    }

    private void needLdImm64(ProgramSpec p, long[] insns, int i, String what) {
        if (i + 1 >= insns.length || Instructions.opcode(insns[i]) != Instructions.OP_LD_IMM64) {
            throw new BpfException(spec.name() + ": program '" + p.name() + "' refers to " + what
                    + " at instruction " + i + ", which is not an ld_imm64");
        }
    }

    private static byte[] toBytes(long[] insns) {
        ByteBuffer b = ByteBuffer.allocate(insns.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long insn : insns) {
            b.putLong(insn);
        }
        return b.array();
    }

    private static byte[] funcInfoBytes(List<BtfExt.FuncInfo> infos) {
        ByteBuffer b = ByteBuffer.allocate(infos.size() * BtfExt.FUNC_INFO_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (BtfExt.FuncInfo f : infos) {
            b.putInt(f.insnIndex()).putInt(f.typeId());
        }
        return b.array();
    }

    private static byte[] lineInfoBytes(List<BtfExt.LineInfo> infos) {
        ByteBuffer b = ByteBuffer.allocate(infos.size() * BtfExt.LINE_INFO_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (BtfExt.LineInfo l : infos) {
            b.putInt(l.insnIndex()).putInt(l.fileNameOff()).putInt(l.lineOff()).putInt(l.lineCol());
        }
        return b.array();
    }

    private static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }
}
