package dev.bpflux;

import java.util.Arrays;
import java.util.List;

/**
 * The verifier rejected a program. The message carries the program name, the errno and the last
 * lines of the verifier log; {@link #log()} returns the whole log.
 */
public class BpfVerifierException extends BpfSyscallException {
    private static final int TAIL_LINES = 20;
    private final String program;
    private final String log;

    public BpfVerifierException(String program, int errno, String errnoName, String log) {
        super("BPF_PROG_LOAD", errno, "loading program '" + program + "' failed with " + errnoName
                + " (" + errno + ")" + tail(log));
        this.program = program;
        this.log = log == null ? "" : log;
    }

    private static String tail(String log) {
        if (log == null || log.isBlank()) {
            return "; the verifier gave no log";
        }
        List<String> lines = Arrays.asList(log.strip().split("\n"));
        int from = Math.max(0, lines.size() - TAIL_LINES);
        return "; verifier log (last " + (lines.size() - from) + " of " + lines.size() + " lines):\n  "
                + String.join("\n  ", lines.subList(from, lines.size()));
    }

    /** The program's name. */
    public String program() {
        return program;
    }

    /** The complete verifier log. */
    public String log() {
        return log;
    }
}
