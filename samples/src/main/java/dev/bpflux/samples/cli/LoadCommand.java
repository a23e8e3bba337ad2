package dev.bpflux.samples.cli;

import dev.bpflux.BpfException;
import dev.bpflux.BpfVerifierException;
import dev.bpflux.load.BpfObject;
import dev.bpflux.load.LoadOptions;
import dev.bpflux.load.ObjectProgram;
import dev.bpflux.map.BpfMap;
import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.obj.VariableValue;
import dev.bpflux.obj.VariableValueParser;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code bpflux load}: loads an object (or some of its programs) into the kernel, prints the kernel
 * ids and optionally pins everything so it outlives the command.
 */
@Command(name = "load", description = "Load an object into the kernel and print the program and map ids. "
        + "Without --pin everything is unloaded when the command exits.")
final class LoadCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "OBJ", description = "the .bpf.o file")
    Path object;

    @Option(names = "--program", paramLabel = "NAME", description = "load only this program (repeatable); "
            + "only the maps and externs it uses are created and resolved")
    List<String> programs = new ArrayList<>();

    @Option(names = "--set", paramLabel = "VAR=VALUE", description = "set a global variable before load "
            + "(repeatable), parsed by its BTF type: integers in range (decimal, 0x hex, -N if signed), "
            + "true/false/1/0 for bool, an enumerator or number for an enum, text for char[N] (N-1 bytes at most), "
            + "a,b,c for arrays of integers")
    List<String> sets = new ArrayList<>();

    @Mixin
    MapSizeOptions sizes = new MapSizeOptions();

    @Mixin
    ProgramTargetOptions targets = new ProgramTargetOptions();

    @Option(names = "--pin", paramLabel = "DIR", description = "pin programs as DIR/<program> and maps as "
            + "DIR/maps/<map> in bpffs (dots in map names become _); DIR is created if its parent exists. "
            + "If pinning fails, nothing stays pinned")
    Path pin;

    @Option(names = "--pin-root", paramLabel = "DIR", description = "bpffs directory for maps declared "
            + "LIBBPF_PIN_BY_NAME (default /sys/fs/bpf); created if its parent exists")
    Path pinRoot;

    @Option(names = "--json", description = "print one JSON object {programs: [...], maps: [...]}")
    boolean json;

    @Option(names = {"-v", "--verbose"}, description = "on a verifier rejection print the whole verifier log")
    boolean verbose;

    @Override
    public Integer call() {
        requireDirectory("--pin", pin);
        requireDirectory("--pin-root", pinRoot);
        BpfObjectSpec obj = BpfObjectSpec.read(object);
        LoadOptions opts = LoadOptions.defaults();
        if (!programs.isEmpty()) {
            opts = opts.withProgramsToLoad(programs);
        }
        if (pinRoot != null) {
            opts = opts.withPinDirectory(pinRoot);
        }
        for (String s : sets) {
            opts = setVariable(obj, opts, s);
        }
        opts = sizes.applyTo(opts);
        opts = targets.applyTo(opts);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (BpfObject loaded = BpfObject.load(obj, opts)) {
            if (pin != null) {
                try {
                    loaded.pinAll(pin);
                } catch (RuntimeException e) {
                    // The command fails, so the maps its load pinned by name go too: nothing stays behind.
                    try {
                        loaded.unpinAll();
                    } catch (RuntimeException notRemoved) {
                        e.addSuppressed(notRemoved);
                    }
                    throw e;
                }
            }
            Map<String, Object> result = new LinkedHashMap<>();
            List<Object> progs = new ArrayList<>();
            for (ObjectProgram p : loaded.programs()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", p.name());
                m.put("id", p.id());
                m.put("type", p.type().name().toLowerCase());
                m.put("instructions", p.instructionCount());
                if (pin != null) {
                    m.put("pinned", pin.resolve(p.name()).toString());
                }
                progs.add(m);
            }
            List<Object> maps = new ArrayList<>();
            for (Map.Entry<String, BpfMap> e : loaded.maps().entrySet()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", e.getKey());
                m.put("kernel_name", e.getValue().info().name());
                m.put("id", e.getValue().info().id());
                if (pin != null) {
                    m.put("pinned", pin.resolve("maps").resolve(loaded.pinName(e.getKey())).toString());
                }
                maps.add(m);
            }
            result.put("programs", progs);
            result.put("maps", maps);
            if (json) {
                out.println(Json.write(result));
            } else {
                for (Object o : progs) {
                    Map<?, ?> m = (Map<?, ?>) o;
                    out.printf("program %-28s id %-6s %s%n", m.get("name"), m.get("id"),
                            m.containsKey("pinned") ? "pinned at " + m.get("pinned") : "");
                }
                for (Object o : maps) {
                    Map<?, ?> m = (Map<?, ?>) o;
                    out.printf("map     %-28s id %-6s %s%n", m.get("name"), m.get("id"),
                            m.containsKey("pinned") ? "pinned at " + m.get("pinned") : "");
                }
            }
            out.flush();
            return 0;
        } catch (BpfVerifierException e) {
            err.println("bpflux: " + e.getMessage());
            if (verbose) {
                err.println("full verifier log of " + e.program() + ":");
                err.println(e.log());
            } else {
                err.println("(run with --verbose for the whole verifier log)");
            }
            err.flush();
            return 1;
        }
    }

    /** An empty path would pin relative to the working directory ({@code --pin ''} made {@code ./maps}). */
    private void requireDirectory(String option, Path dir) {
        if (dir != null && dir.toString().isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), option
                    + " needs a directory on bpffs (e.g. /sys/fs/bpf/myapp), got an empty path");
        }
    }

    /**
     * {@code VAR=VALUE}: the value as text, which the loader parses by the variable's BTF type
     * ({@link dev.bpflux.obj.VariableValueParser}); checked here too, so a bad value fails before any kernel call.
     */
    static LoadOptions setVariable(BpfObjectSpec obj, LoadOptions opts, String assignment) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) {
            throw new CommandLine.ParameterException(new CommandLine(new LoadCommand()),
                    "--set needs VAR=VALUE, got '" + assignment + "'");
        }
        String name = assignment.substring(0, eq);
        VariableValue value = new VariableValue.Text(assignment.substring(eq + 1));
        try {
            VariableValueParser.encode(obj, name, value);
        } catch (BpfException e) {
            throw new BpfException("--set " + name + ": " + e.getMessage());
        }
        return opts.withVariable(name, value);
    }
}
