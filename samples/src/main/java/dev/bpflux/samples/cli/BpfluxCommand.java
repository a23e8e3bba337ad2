package dev.bpflux.samples.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code bpflux}: inspect and load BPF objects with bpflux's pure-Java loader.
 *
 * <pre>
 * bpflux inspect OBJ [--json]
 * bpflux load OBJ [--program NAME]... [--set VAR=VALUE]... [--pin DIR] [--json] [--verbose]
 * </pre>
 */
@Command(name = "bpflux", mixinStandardHelpOptions = true, version = "bpflux 0.1.0",
        description = "Inspect and load clang-built BPF objects without libbpf.",
        subcommands = {InspectCommand.class, LoadCommand.class})
public final class BpfluxCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command: inspect or load");
    }

    /** A command line with bpflux's error handling: a {@code BpfException} prints its message and exits 1. */
    public static CommandLine commandLine() {
        return new CommandLine(new BpfluxCommand()).setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("bpflux: " + e.getMessage());
            return 1;
        });
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
