package dev.bpflux.load;

import dev.bpflux.BpfException;
import dev.bpflux.link.BpfLink;
import dev.bpflux.map.BpfMap;
import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.obj.DataSectionSpec;
import dev.bpflux.obj.VariableSpec;
import dev.bpflux.prog.LoadedBtf;
import dev.bpflux.sys.MappedMemory;
import dev.bpflux.sys.OwnedFd;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A BPF object loaded into the kernel: its maps, programs, global variables and BTF, like libbpf's
 * {@code bpf_object} after {@code bpf_object__load}. {@link #close()} closes every map, program, link
 * (made by {@link ObjectProgram#attach()}), mapping and BTF descriptor exactly once; pinned objects
 * and attached links the caller pinned stay in the kernel ({@link #unpinAll()} removes the pins
 * this object made).
 *
 * <pre>{@code
 * try (BpfObject obj = BpfObject.load(Path.of("trace.bpf.o"),
 *         LoadOptions.defaults().withVariable("target_pid", pid))) {
 *     obj.program("on_exec").attach();
 *     long n = obj.global("exec_count").readLong();
 * }
 * }</pre>
 *
 * <p>Open (parse) with {@link BpfObjectSpec#read(Path)} to inspect before loading; load with
 * {@link #load(BpfObjectSpec, LoadOptions)}. Minimum kernel: 5.2 for global data; features the object
 * uses (BTF kinds, kfuncs, map types) have their own minimums.
 */
public final class BpfObject implements AutoCloseable {
    private final BpfObjectSpec spec;
    private final String objectName;
    private final Map<String, BpfMap> maps;
    private final Map<String, ObjectProgram> programs = new LinkedHashMap<>();
    private final Map<String, DataSection> dataSections;
    private final LoadedBtf btf;
    /** The pins the load (maps pinned by name) and {@link #pinAll} made, for {@link #unpinAll()}. */
    private final PinTransaction pins;
    private final List<BpfLink> links = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    /** A global data section's map, with its mapping when mmapable. */
    record DataSection(DataSectionSpec spec, BpfMap map, MappedMemory memory) {
    }

    BpfObject(BpfObjectSpec spec, String objectName, Map<String, BpfMap> maps, Map<String, DataSection> dataSections,
              LoadedBtf btf, PinTransaction pins) {
        this.spec = spec;
        this.objectName = objectName;
        this.maps = Collections.unmodifiableMap(new LinkedHashMap<>(maps));
        this.dataSections = Collections.unmodifiableMap(new LinkedHashMap<>(dataSections));
        this.btf = btf;
        this.pins = pins;
    }

    void addProgram(ObjectProgram p) {
        programs.put(p.name(), p);
    }

    /** Parses and loads the object at {@code path} with default options. */
    public static BpfObject load(Path path) {
        return load(BpfObjectSpec.read(path), LoadOptions.defaults());
    }

    public static BpfObject load(Path path, LoadOptions options) {
        return load(BpfObjectSpec.read(path), options);
    }

    /**
     * Parses and loads an object held in memory, e.g. a class path resource's bytes, with no temporary file
     * to leave behind; {@code name} names it in errors and gives the object's name as a file name would
     * ({@code bpf/trace.bpf.o} names it {@code trace}).
     */
    public static BpfObject load(byte[] bytes, String name, LoadOptions options) {
        return load(BpfObjectSpec.parse(bytes, name), options);
    }

    /** Loads a parsed object: creates the maps its loaded programs use, loads the programs. */
    public static BpfObject load(BpfObjectSpec spec, LoadOptions options) {
        return new ObjectLoader(spec, options).load();
    }

    public BpfObjectSpec spec() {
        return spec;
    }

    /** The object's name as libbpf derives it: the file name up to its first dot ({@code trace} for {@code trace.bpf.o}). */
    public String name() {
        return objectName;
    }

    /**
     * Maps created for this object by name: {@code .maps} maps under their variable names, global data
     * maps under their section names ({@code .data}, {@code .rodata}, {@code .bss}, {@code .kconfig}).
     * Maps no loaded program uses are absent unless asked for ({@link LoadOptions#withMapsToCreate}).
     */
    public Map<String, BpfMap> maps() {
        return maps;
    }

    /** The map named {@code name}; a clear error lists the maps there are. */
    public BpfMap map(String name) {
        BpfMap m = maps.get(name);
        if (m == null) {
            String why = spec.map(name).isPresent() || spec.dataSection(name).isPresent()
                    ? "it exists in the object but no loaded program uses it (see LoadOptions.withMapsToCreate)"
                    : "no such map";
            throw new BpfException("map '" + name + "' of " + spec.name() + ": " + why + "; maps: " + maps.keySet());
        }
        return m;
    }

    public Optional<BpfMap> findMap(String name) {
        return Optional.ofNullable(maps.get(name));
    }

    /** The loaded programs in object order. */
    public List<ObjectProgram> programs() {
        return List.copyOf(programs.values());
    }

    public ObjectProgram program(String name) {
        ObjectProgram p = programs.get(name);
        if (p == null) {
            throw new BpfException("program '" + name + "' of " + spec.name() + (spec.program(name).isPresent()
                    ? " was not loaded (LoadOptions.withProgramsToLoad)" : " does not exist") + "; loaded: "
                    + programs.keySet());
        }
        return p;
    }

    /** The global variable {@code name} in whichever data section holds it. */
    public GlobalVariable global(String name) {
        checkOpen();
        for (DataSection d : dataSections.values()) {
            Optional<VariableSpec> v = d.spec().variable(name);
            if (v.isPresent()) {
                return new GlobalVariable(this, d.spec(), v.get(), d.map(), d.memory());
            }
        }
        for (DataSectionSpec d : spec.dataSections()) {
            if (d.variable(name).isPresent()) {
                throw new BpfException("global '" + name + "' is in " + d.name() + ", which was not created because "
                        + "no loaded program uses it");
            }
        }
        throw new BpfException("no global variable '" + name + "' in " + spec.name());
    }

    /** Every global variable of the created data sections. */
    public List<GlobalVariable> globals() {
        List<GlobalVariable> out = new ArrayList<>();
        for (DataSection d : dataSections.values()) {
            for (VariableSpec v : d.spec().variables()) {
                out.add(new GlobalVariable(this, d.spec(), v, d.map(), d.memory()));
            }
        }
        return out;
    }

    /** The object's BTF in the kernel, empty when it has none or the kernel refused it. */
    public Optional<OwnedFd> btfFd() {
        return btf == null ? Optional.empty() : Optional.of(btf.fd());
    }

    /**
     * Pins every program at {@code dir/<program>} and every map at {@code dir/maps/<map>}, the layout
     * the {@code bpflux load --pin} command uses. {@code dir} must be on bpffs; it and {@code maps/}
     * are created when missing (only {@code dir}'s last level, as libbpf). Global data maps are
     * pinned under their kernel names ({@code globals.rodata}); bpffs refuses names with a dot, so
     * dots become {@code _} ({@code maps/globals_rodata}), as the libbpf oracle does.
     *
     * <p>All or nothing: a name that is not one file name ({@code ../x}) is refused before anything
     * is pinned, and when a pin fails (a file of that name exists, say) the pins and directories
     * made so far are removed again.
     */
    public synchronized void pinAll(Path dir) {
        checkOpen();
        Map<Path, Consumer<Path>> planned = new LinkedHashMap<>();
        Map<Path, String> owners = new HashMap<>();
        for (ObjectProgram p : programs.values()) {
            String what = "program '" + p.name() + "' of " + spec.name();
            plan(planned, owners, PinTransaction.path(dir, p.name(), what), what, p::pin);
        }
        Path mapDir = dir.resolve("maps");
        for (Map.Entry<String, BpfMap> m : maps.entrySet()) {
            String what = "map '" + m.getKey() + "' of " + spec.name();
            plan(planned, owners, PinTransaction.path(mapDir, pinName(m.getKey()), what), what, m.getValue()::pin);
        }
        PinTransaction made = new PinTransaction();
        try {
            made.directory(dir);
            made.directory(mapDir);
            planned.forEach(made::pin);
        } catch (RuntimeException | Error e) {
            made.rollback(e);
            throw e;
        }
        pins.adopt(made);
    }

    /** Two names that become one pin file (maps {@code a.b} and {@code a_b}) would lose one pin silently. */
    static void plan(Map<Path, Consumer<Path>> planned, Map<Path, String> owners, Path path, String what,
            Consumer<Path> pin) {
        String other = owners.putIfAbsent(path, what);
        if (other != null) {
            throw new BpfException(what + " and " + other + " would both be pinned at " + path
                    + " (bpffs names cannot hold a dot, so dots become '_'); pin them yourself under names of your choice");
        }
        planned.put(path, pin);
    }

    /**
     * Removes the pins this object made: maps its load pinned by name (not pins that existed and
     * were reused) and everything {@link #pinAll} pinned, then the directories made for them once
     * empty. For a caller whose later step failed and that leaves nothing behind.
     */
    public synchronized void unpinAll() {
        List<java.io.IOException> problems = pins.undo();
        if (!problems.isEmpty()) {
            BpfException e = new BpfException("could not remove " + problems.size() + " pin(s) of " + spec.name()
                    + ": " + problems.get(0), problems.get(0));
            problems.subList(1, problems.size()).forEach(e::addSuppressed);
            throw e;
        }
    }

    /** The bpffs file name of map {@code name} under {@code maps/}: see {@link #pinAll(Path)}. */
    public String pinName(String name) {
        String kernelName = dataSections.containsKey(name) ? ObjectLoader.internalMapName(objectName, name) : name;
        return kernelName.replace('.', '_');
    }

    synchronized void track(BpfLink link) {
        if (closed.get()) {
            link.close();
            checkOpen();
        }
        links.removeIf(l -> l.fd().isClosed());
        links.add(link);
    }

    void checkOpen() {
        if (closed.get()) {
            throw new BpfException(spec.name() + " is closed");
        }
    }

    /** Closes links, mappings, programs, maps and the BTF, each once. Later calls do nothing. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        synchronized (this) {
            links.forEach(BpfLink::close);
            links.clear();
        }
        for (DataSection d : dataSections.values()) {
            if (d.memory() != null) {
                d.memory().close();
            }
        }
        programs.values().forEach(p -> p.program().close());
        maps.values().forEach(BpfMap::close);
        if (btf != null) {
            btf.close();
        }
    }

    @Override
    public String toString() {
        return "BpfObject[" + spec.name() + ": " + programs.size() + " programs, " + maps.size() + " maps]";
    }
}
