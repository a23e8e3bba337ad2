package dev.bpflux.samples;

import dev.bpflux.BpfException;
import picocli.CommandLine;

/**
 * A sample's command line with picocli's exit codes and one-line errors: a usage error prints
 * {@code "name: message (see --help)"} and exits 2; a bpflux error (no privileges, a kernel refusal) prints
 * {@code "name: message"} and exits 1. Anything else is a bug and keeps its stack trace.
 */
public final class SampleCommandLine {
    private SampleCommandLine() {
    }

    public static CommandLine of(Object command) {
        CommandLine cmd = new CommandLine(command);
        String name = cmd.getCommandName();
        cmd.setParameterExceptionHandler((e, args) -> {
            e.getCommandLine().getErr().println(name + ": " + e.getMessage() + " (see --help)");
            return e.getCommandLine().getCommandSpec().exitCodeOnInvalidInput();
        });
        cmd.setExecutionExceptionHandler((e, c, parsed) -> {
            if (!(e instanceof BpfException)) {
                throw e;
            }
            c.getErr().println(name + ": " + e.getMessage());
            return c.getCommandSpec().exitCodeOnExecutionException();
        });
        return cmd;
    }

    /** A usage error about {@code command}'s options, for validation after parsing. */
    public static CommandLine.ParameterException usage(CommandLine.Model.CommandSpec command, String message) {
        return new CommandLine.ParameterException(command.commandLine(), message);
    }
}
