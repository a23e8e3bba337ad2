package dev.bpflux.obj;

import dev.bpflux.BpfObjectException;
import dev.bpflux.obj.btf.Btf;
import dev.bpflux.obj.btf.BtfExt;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Everything in a clang-built BPF ELF object that a loader needs, parsed without touching the kernel:
 * programs, subprograms, BTF-defined maps, global data sections, kernel externs, license, BTF and
 * BTF.ext. Immutable.
 *
 * <p>Read it with {@link #read(Path)} or {@link #parse(byte[], String)}. Every problem in the file raises
 * {@link BpfObjectException} naming the file, section and offset. Rejected: legacy {@code maps}
 * section maps, code in sections whose names are not program sections, big-endian or 32-bit ELF.
 */
public final class BpfObjectSpec {
    private final String name;
    private final List<ProgramSpec> programs;
    private final List<FunctionSpec> subprograms;
    private final List<MapSpec> maps;
    private final List<DataSectionSpec> dataSections;
    private final List<ExternSpec> externs;
    private final int kconfigSize;
    private final String license;
    private final Integer kernelVersion;
    private final Btf btf;
    private final BtfExt btfExt;

    BpfObjectSpec(String name, List<ProgramSpec> programs, List<FunctionSpec> subprograms, List<MapSpec> maps,
                  List<DataSectionSpec> dataSections, List<ExternSpec> externs, int kconfigSize, String license,
                  Integer kernelVersion, Btf btf, BtfExt btfExt) {
        this.name = name;
        this.programs = List.copyOf(programs);
        this.subprograms = List.copyOf(subprograms);
        this.maps = List.copyOf(maps);
        this.dataSections = List.copyOf(dataSections);
        this.externs = List.copyOf(externs);
        this.kconfigSize = kconfigSize;
        this.license = license;
        this.kernelVersion = kernelVersion;
        this.btf = btf;
        this.btfExt = btfExt;
    }

    /**
     * Largest object file {@link #read(Path)} accepts: 256 MiB. clang's BPF objects are kilobytes to a few
     * megabytes; a file far larger is the wrong file, and reading it whole would exhaust the heap.
     */
    public static final long DEFAULT_MAX_FILE_BYTES = 256L << 20;

    /**
     * Reads and parses the object at {@code path}: a regular file (or a link to one) of at most
     * {@link #DEFAULT_MAX_FILE_BYTES}. FIFOs, devices and directories are refused without being opened.
     */
    public static BpfObjectSpec read(Path path) {
        return read(path, DEFAULT_MAX_FILE_BYTES);
    }

    /** As {@link #read(Path)}, accepting files of up to {@code maxFileBytes}. */
    public static BpfObjectSpec read(Path path, long maxFileBytes) {
        return new ObjectParser(dev.bpflux.obj.elf.ElfFile.read(path, maxFileBytes, "BPF object"),
                path.toString()).parse();
    }

    /** Parses an object held in memory; {@code name} names it in errors (e.g. its file name). */
    public static BpfObjectSpec parse(byte[] bytes, String name) {
        return new ObjectParser(dev.bpflux.obj.elf.ElfFile.parse(bytes, name), name).parse();
    }

    /** The file name or the name given to {@link #parse}. */
    public String name() {
        return name;
    }

    /** Programs in section order, then symbol order. */
    public List<ProgramSpec> programs() {
        return programs;
    }

    public Optional<ProgramSpec> program(String programName) {
        return programs.stream().filter(p -> p.name().equals(programName)).findFirst();
    }

    /** Functions that are not programs: everything in {@code .text}, and static functions in program sections. */
    public List<FunctionSpec> subprograms() {
        return subprograms;
    }

    /**
     * The function (a program's entry function or a subprogram) starting at instruction
     * {@code insnIndex} of section {@code sectionName}: the target of a {@link Relocation.SubprogramCall}.
     */
    public Optional<FunctionSpec> function(String sectionName, int insnIndex) {
        for (FunctionSpec f : subprograms) {
            if (f.sectionName().equals(sectionName) && f.sectionIndex() == insnIndex) {
                return Optional.of(f);
            }
        }
        for (ProgramSpec p : programs) {
            FunctionSpec f = p.function();
            if (f.sectionName().equals(sectionName) && f.sectionIndex() == insnIndex) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    /** BTF-defined maps from {@code .maps}, in declaration (offset) order. */
    public List<MapSpec> maps() {
        return maps;
    }

    public Optional<MapSpec> map(String mapName) {
        return maps.stream().filter(m -> m.name().equals(mapName)).findFirst();
    }

    /** Global data sections ({@code .data}, {@code .rodata}, {@code .bss}, {@code .data.*}, {@code .rodata.*}). */
    public List<DataSectionSpec> dataSections() {
        return dataSections;
    }

    public Optional<DataSectionSpec> dataSection(String sectionName) {
        return dataSections.stream().filter(d -> d.name().equals(sectionName)).findFirst();
    }

    /** Kconfig values, kernel symbols and kfuncs the object needs. */
    public List<ExternSpec> externs() {
        return externs;
    }

    public Optional<ExternSpec> extern(String externName) {
        return externs.stream().filter(e -> e.name().equals(externName)).findFirst();
    }

    /**
     * Bytes the {@code .kconfig} externs occupy when laid out at their {@link ExternSpec#offset()}s (the
     * value size of the loader's .kconfig map); 0 without kconfig externs.
     */
    public int kconfigSize() {
        return kconfigSize;
    }

    /** The {@code license} section's string, "" when absent (GPL-only helpers then fail to load). */
    public String license() {
        return license;
    }

    /** The {@code version} section's value (only old kprobe loaders cared), empty when absent. */
    public OptionalInt kernelVersion() {
        return kernelVersion == null ? OptionalInt.empty() : OptionalInt.of(kernelVersion);
    }

    /** The object's {@code .BTF}, empty when compiled without {@code -g}. */
    public Optional<Btf> btf() {
        return Optional.ofNullable(btf);
    }

    /** The object's {@code .BTF.ext} ({@link BtfExt#empty()} when absent). */
    public BtfExt btfExt() {
        return btfExt;
    }

    @Override
    public String toString() {
        return "BpfObjectSpec[" + name + ": " + programs.size() + " programs, " + maps.size() + " maps, "
                + dataSections.size() + " data sections, " + externs.size() + " externs]";
    }
}
