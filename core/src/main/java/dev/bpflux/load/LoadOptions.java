package dev.bpflux.load;

import dev.bpflux.obj.AttachType;
import dev.bpflux.obj.ProgramSpec;
import dev.bpflux.obj.ProgramType;
import dev.bpflux.obj.VariableValue;
import dev.bpflux.obj.VariableValueParser;
import dev.bpflux.sys.SystemCalls;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * How {@link BpfObject#load} turns an object into kernel objects. Immutable: every {@code with*}
 * method returns a changed copy, so one instance can be shared and specialised.
 *
 * <pre>{@code
 * LoadOptions opts = LoadOptions.defaults()
 *         .withVariable("target_pid", 1234)
 *         .withMaxEntries("events", 1 << 20)
 *         .withProgramsToLoad("on_exec");
 * }</pre>
 */
public final class LoadOptions {
    /** Where maps with {@code pinning = LIBBPF_PIN_BY_NAME} are pinned by default, as libbpf does. */
    public static final Path DEFAULT_PIN_DIRECTORY = Path.of("/sys/fs/bpf");

    private static final LoadOptions DEFAULTS = new LoadOptions(Map.of(), Map.of(), Set.of(), Set.of(),
            DEFAULT_PIN_DIRECTORY, 0, null, Map.of(), null, Map.of(), Map.of(), SystemCalls.linux());

    private final Map<String, Integer> maxEntries;
    private final Map<String, VariableValue> variables;
    private final Set<String> programsToLoad;
    private final Set<String> mapsToCreate;
    private final Path pinDirectory;
    private final int logLevel;
    private final Path kernelConfig;
    private final Map<String, String> kernelConfigValues;
    private final ExternSource externSource;
    private final Map<String, Integer> valueSizes;
    private final Map<String, ProgramSetting> programSettings;
    /** The door every system call of the load goes through; the objects created keep it. */
    private final SystemCalls systemCalls;

    private LoadOptions(Map<String, Integer> maxEntries, Map<String, VariableValue> variables,
                        Set<String> programsToLoad,
                        Set<String> mapsToCreate, Path pinDirectory, int logLevel, Path kernelConfig,
                        Map<String, String> kernelConfigValues, ExternSource externSource,
                        Map<String, Integer> valueSizes, Map<String, ProgramSetting> programSettings,
                        SystemCalls systemCalls) {
        this.maxEntries = Collections.unmodifiableMap(new LinkedHashMap<>(maxEntries));
        this.variables = Collections.unmodifiableMap(new LinkedHashMap<>(variables));
        this.programsToLoad = Collections.unmodifiableSet(new LinkedHashSet<>(programsToLoad));
        this.mapsToCreate = Collections.unmodifiableSet(new LinkedHashSet<>(mapsToCreate));
        this.pinDirectory = pinDirectory;
        this.logLevel = logLevel;
        this.kernelConfig = kernelConfig;
        this.kernelConfigValues = Collections.unmodifiableMap(new LinkedHashMap<>(kernelConfigValues));
        this.externSource = externSource;
        this.valueSizes = Collections.unmodifiableMap(new LinkedHashMap<>(valueSizes));
        this.programSettings = Collections.unmodifiableMap(new LinkedHashMap<>(programSettings));
        this.systemCalls = systemCalls;
    }

    /** Load every program, create what they use, pin by-name maps under {@code /sys/fs/bpf}. */
    public static LoadOptions defaults() {
        return DEFAULTS;
    }

    /** The same as {@link #defaults()}, to start a chain: {@code LoadOptions.create().withVariable(...)}. */
    public static LoadOptions create() {
        return DEFAULTS;
    }

    private LoadOptions copy(Map<String, Integer> maxEntries, Map<String, VariableValue> variables,
                             Set<String> programsToLoad, Set<String> mapsToCreate, Path pinDirectory, int logLevel,
                             Path kernelConfig, Map<String, String> kernelConfigValues, ExternSource externSource) {
        return new LoadOptions(maxEntries, variables, programsToLoad, mapsToCreate, pinDirectory,
                logLevel, kernelConfig, kernelConfigValues, externSource, valueSizes, programSettings, systemCalls);
    }

    /** Overrides map {@code mapName}'s {@code max_entries} (e.g. to size a ring buffer at run time). */
    public LoadOptions withMaxEntries(String mapName, int entries) {
        if (entries <= 0) {
            throw new IllegalArgumentException("max_entries of '" + mapName + "' must be positive, got " + entries);
        }
        Map<String, Integer> m = new LinkedHashMap<>(maxEntries);
        m.put(Objects.requireNonNull(mapName, "mapName"), entries);
        return copy(m, variables, programsToLoad, mapsToCreate, pinDirectory, logLevel, kernelConfig,
                kernelConfigValues, externSource);
    }

    /**
     * Overrides map {@code mapName}'s value size, for objects that leave it to user space (libbpf's
     * {@code bpf_map__set_value_size}), e.g. a stack trace map sized by the stack depth wanted. A map
     * whose BTF value type then no longer matches is created without BTF.
     */
    public LoadOptions withValueSize(String mapName, int bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("value size of '" + mapName + "' must be positive, got " + bytes);
        }
        Map<String, Integer> m = new LinkedHashMap<>(valueSizes);
        m.put(Objects.requireNonNull(mapName, "mapName"), bytes);
        return new LoadOptions(maxEntries, variables, programsToLoad, mapsToCreate, pinDirectory,
                logLevel, kernelConfig, kernelConfigValues, externSource, m, programSettings, systemCalls);
    }

    /**
     * Sets the initial value of global variable {@code name} (in {@code .rodata*}, {@code .data*} or
     * {@code .bss}) to {@code value}, checked at load against the variable's BTF type (see
     * {@link VariableValueParser}): every {@code withVariable} fails the load with a message naming the
     * variable, its C type and the value when the value does not fit. {@code .rodata} values become
     * constants the verifier sees.
     */
    public LoadOptions withVariable(String name, VariableValue value) {
        Map<String, VariableValue> m = new LinkedHashMap<>(variables);
        m.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
        return copy(maxEntries, m, programsToLoad, mapsToCreate, pinDirectory, logLevel, kernelConfig,
                kernelConfigValues, externSource);
    }

    /**
     * Sets a variable to its bytes as the program reads them (little-endian); exactly the variable's
     * size. The way to set a struct, a float or a pointer; a {@code bool} still takes only 0 or 1.
     */
    public LoadOptions withVariable(String name, byte[] value) {
        return withVariable(name, new VariableValue.Raw(value));
    }

    /**
     * Sets a variable from text, parsed by its BTF type as {@code bpflux load --set} does: an integer
     * (decimal or 0x hex, {@code -} where signed) within the type's range, {@code true}/{@code false}/
     * {@code 1}/{@code 0} for a {@code bool}, an enumerator name or number for an enum, the string for a
     * {@code char[N]} (at most N-1 bytes), comma-separated elements for an array of integers.
     */
    public LoadOptions withVariable(String name, String value) {
        return withVariable(name, new VariableValue.Text(value));
    }

    /**
     * Sets an integer or enum variable of any width to {@code value}, which must be in the type's range
     * ({@code 300} does not go into a {@code __u8}, {@code -1} not into a {@code __u64}); into an unsigned
     * 4-byte variable an {@code int} is its bit pattern ({@code 0x80000000}, as Java has no unsigned int).
     * A {@code bool} takes only 0 or 1.
     */
    public LoadOptions withVariable(String name, int value) {
        return withVariable(name, new VariableValue.Integral(value, 32));
    }

    /** Sets an integer or enum variable of any width, in the type's range (see {@link #withVariable(String, int)}). */
    public LoadOptions withVariable(String name, long value) {
        return withVariable(name, new VariableValue.Integral(value, 64));
    }

    /** Sets an integer or enum variable of any width, in the type's range (see {@link #withVariable(String, int)}). */
    public LoadOptions withVariable(String name, short value) {
        return withVariable(name, new VariableValue.Integral(value, 16));
    }

    /** Sets a {@code bool} (or any integer variable, to 1 or 0). */
    public LoadOptions withVariable(String name, boolean value) {
        return withVariable(name, new VariableValue.Bool(value));
    }

    /**
     * Sets a {@code char[N]} variable to {@code value} in UTF-8, NUL-terminated and zero-filled; it must
     * fit with its terminating NUL, and the variable must be a char array.
     */
    public LoadOptions withStringVariable(String name, String value) {
        return withVariable(name, new VariableValue.CharArray(value));
    }

    /**
     * Loads only these programs (by function name). Only the maps, global data and externs they
     * reference are created and resolved; an extern or map nothing loaded uses never fails the load.
     */
    public LoadOptions withProgramsToLoad(String... names) {
        return withProgramsToLoad(List.of(names));
    }

    public LoadOptions withProgramsToLoad(Iterable<String> names) {
        Set<String> s = new LinkedHashSet<>();
        names.forEach(s::add);
        return copy(maxEntries, variables, s, mapsToCreate, pinDirectory, logLevel, kernelConfig,
                kernelConfigValues, externSource);
    }

    /**
     * A program's attach target and type as set before load; a {@code null} component keeps what the
     * section name says.
     *
     * @param attachTarget the target replacing the section's (e.g. {@code do_unlinkat} for {@code fentry/func})
     * @param type         the program type replacing the section's
     * @param attachType   the expected attach type (with {@code type}; {@code null} for none)
     */
    public record ProgramSetting(String attachTarget, ProgramType type, AttachType attachType) {
        ProgramSpec applyTo(ProgramSpec p) {
            ProgramSpec out = type == null ? p : p.withType(type, attachType);
            return attachTarget == null ? out : out.withAttachTarget(attachTarget);
        }
    }

    /**
     * Sets program {@code program}'s attach target before load, as libbpf's
     * {@code bpf_program__set_attach_target(prog, 0, function)}: for tools whose section names a
     * placeholder ({@code fentry/func}, {@code tp_btf/placeholder}) retargeted at run time. For BTF-attached
     * programs (tp_btf, fentry/fexit/fmod_ret, lsm, iter) {@code function} is looked up in kernel BTF as the
     * section's target would be (a tracepoint for tp_btf, a hook for lsm); for the others it becomes the
     * default target of {@link ObjectProgram#attach()}. Targets in another BPF program (freplace) are not
     * supported.
     */
    public LoadOptions withAttachTarget(String program, String function) {
        Objects.requireNonNull(program, "program");
        if (function == null || function.isEmpty()) {
            throw new IllegalArgumentException("attach target of '" + program + "' must not be empty");
        }
        ProgramSetting old = programSettings.getOrDefault(program, new ProgramSetting(null, null, null));
        return withProgramSetting(program, new ProgramSetting(function, old.type(), old.attachType()));
    }

    /**
     * Sets program {@code program}'s type and expected attach type ({@code null}: none) before load, as
     * libbpf's {@code bpf_program__set_type}/{@code set_expected_attach_type}: for a program in a section
     * whose name says no type (or the wrong one). As in libbpf, a program whose type changes is no longer
     * attached by {@link ObjectProgram#attach()}: attach it with a {@code dev.bpflux.link} class.
     */
    public LoadOptions withProgramType(String program, ProgramType type, AttachType attachType) {
        Objects.requireNonNull(program, "program");
        Objects.requireNonNull(type, "type");
        if (type == ProgramType.UNSPEC) {
            throw new IllegalArgumentException("program type of '" + program + "' must not be UNSPEC");
        }
        ProgramSetting old = programSettings.getOrDefault(program, new ProgramSetting(null, null, null));
        return withProgramSetting(program, new ProgramSetting(old.attachTarget(), type, attachType));
    }

    private LoadOptions withProgramSetting(String program, ProgramSetting setting) {
        Map<String, ProgramSetting> m = new LinkedHashMap<>(programSettings);
        m.put(program, setting);
        return new LoadOptions(maxEntries, variables, programsToLoad, mapsToCreate, pinDirectory,
                logLevel, kernelConfig, kernelConfigValues, externSource, valueSizes, m, systemCalls);
    }

    /** Also creates these maps even when no loaded program uses them (e.g. to share them with another object). */
    public LoadOptions withMapsToCreate(String... names) {
        Set<String> s = new LinkedHashSet<>(mapsToCreate);
        s.addAll(List.of(names));
        return copy(maxEntries, variables, programsToLoad, s, pinDirectory, logLevel, kernelConfig,
                kernelConfigValues, externSource);
    }

    /** The bpffs directory for maps with {@code pinning = LIBBPF_PIN_BY_NAME} (default {@code /sys/fs/bpf}). */
    public LoadOptions withPinDirectory(Path dir) {
        return copy(maxEntries, variables, programsToLoad, mapsToCreate, Objects.requireNonNull(dir, "dir"),
                logLevel, kernelConfig, kernelConfigValues, externSource);
    }

    /**
     * Verifier log level for every program: 0 (default) asks for a log only after a failure; 1 keeps
     * the log of successful loads too ({@link ObjectProgram#verifierLog()}); 2 is verbose.
     */
    public LoadOptions withLogLevel(int level) {
        if (level < 0 || level > 2) {
            throw new IllegalArgumentException("log level is 0, 1 or 2, got " + level);
        }
        return copy(maxEntries, variables, programsToLoad, mapsToCreate, pinDirectory, level, kernelConfig,
                kernelConfigValues, externSource);
    }

    /** Reads {@code __kconfig} externs from this kernel config file (plain or .gz) instead of the running kernel's. */
    public LoadOptions withKernelConfig(Path configFile) {
        return copy(maxEntries, variables, programsToLoad, mapsToCreate, pinDirectory, logLevel,
                Objects.requireNonNull(configFile, "configFile"), kernelConfigValues, externSource);
    }

    /** Overrides individual kernel config values, e.g. {@code CONFIG_HZ -> "250"}, {@code CONFIG_BPF -> "y"}. */
    public LoadOptions withKernelConfig(Map<String, String> values) {
        Map<String, String> m = new LinkedHashMap<>(kernelConfigValues);
        m.putAll(values);
        return copy(maxEntries, variables, programsToLoad, mapsToCreate, pinDirectory, logLevel, kernelConfig, m,
                externSource);
    }

    /** Resolves {@code __ksym}/{@code __kconfig} externs with {@code source} instead of the built-in resolver. */
    public LoadOptions withExternSource(ExternSource source) {
        return copy(maxEntries, variables, programsToLoad, mapsToCreate, pinDirectory, logLevel, kernelConfig,
                kernelConfigValues, Objects.requireNonNull(source, "source"));
    }

    /**
     * Makes every system call of the load through {@code calls} instead of the kernel directly: the
     * maps, programs, BTF and mappings it creates keep that door for their own later calls, and so do
     * the links attached from those programs and the streams opened on those maps. For tests that
     * fail calls on purpose (a wrapper over {@link SystemCalls#linux()}) or watch them.
     */
    public LoadOptions withSystemCalls(SystemCalls calls) {
        return new LoadOptions(maxEntries, variables, programsToLoad, mapsToCreate, pinDirectory, logLevel,
                kernelConfig, kernelConfigValues, externSource, valueSizes, programSettings,
                Objects.requireNonNull(calls, "calls"));
    }

    public Map<String, Integer> maxEntries() {
        return maxEntries;
    }

    /** Value size overrides by map name. */
    public Map<String, Integer> valueSizes() {
        return valueSizes;
    }

    /** Variable values by name, as given (checked against the variables' types at load). */
    public Map<String, VariableValue> variables() {
        return variables;
    }

    /** Programs to load; empty means all. */
    public Set<String> programsToLoad() {
        return programsToLoad;
    }

    /** Attach targets and types set per program, by program name. */
    public Map<String, ProgramSetting> programSettings() {
        return programSettings;
    }

    /** {@code p} as a load with these options sees it: with its attach target and type as set here. */
    public ProgramSpec program(ProgramSpec p) {
        ProgramSetting setting = programSettings.get(p.name());
        return setting == null ? p : setting.applyTo(p);
    }

    public Set<String> mapsToCreate() {
        return mapsToCreate;
    }

    public Path pinDirectory() {
        return pinDirectory;
    }

    public int logLevel() {
        return logLevel;
    }

    public Optional<Path> kernelConfig() {
        return Optional.ofNullable(kernelConfig);
    }

    public Map<String, String> kernelConfigValues() {
        return kernelConfigValues;
    }

    public Optional<ExternSource> externSource() {
        return Optional.ofNullable(externSource);
    }

    /** The system calls the load makes ({@link SystemCalls#linux()} unless {@link #withSystemCalls} was given). */
    public SystemCalls systemCalls() {
        return systemCalls;
    }
}
