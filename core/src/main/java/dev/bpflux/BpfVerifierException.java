package dev.bpflux;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The verifier rejected a program. The message leads with the kernel's verdict: the instruction the
 * verifier rejected and its last error line ({@link #rejection()}); then what bpflux knows about that
 * instruction (e.g. the CO-RE relocation it stands for), then the last lines of the verifier log.
 * {@link #log()} returns the whole log, the kernel's words only.
 */
public class BpfVerifierException extends BpfSyscallException {
    private static final int TAIL_LINES = 20;
    /** A verifier log instruction line: {@code 12: (85) call bpf_map_lookup_elem#1}, maybe then {@code ; R0=...}. */
    private static final Pattern INSN = Pattern.compile("^(\\d{1,9}): \\([0-9a-f]{2}\\) (.*)$");
    /** Summary lines the verifier prints after its verdict. */
    private static final Pattern SUMMARY = Pattern.compile(
            "^(processed \\d+ insns|verification time|stack depth|-- END PROG LOAD LOG --).*");

    private final String program;
    private final String log;
    private final Rejection rejection;

    /**
     * The instruction the verifier stopped at and its error.
     *
     * @param instruction     the index of the instruction in the loaded program
     * @param instructionText the verifier's disassembly of it, e.g. {@code call unknown#195896080}
     * @param error           the verifier's last line, e.g. {@code invalid func unknown#195896080}
     */
    public record Rejection(int instruction, String instructionText, String error) {
    }

    public BpfVerifierException(String program, int errno, String errnoName, String log) {
        this(program, errno, errnoName, log, null);
    }

    /**
     * @param explanation what bpflux knows about the rejected instruction (one line per fact), shown after
     *                    the kernel's verdict; null for none
     */
    public BpfVerifierException(String program, int errno, String errnoName, String log, String explanation) {
        this(program, errno, errnoName, log == null ? "" : log, explanation, rejectionOf(log));
    }

    private BpfVerifierException(String program, int errno, String errnoName, String log, String explanation,
                                 Rejection rejection) {
        super("BPF_PROG_LOAD", errno, "loading program '" + program + "' failed with " + errnoName
                + " (" + errno + ")" + verdict(log, rejection)
                + (explanation == null || explanation.isBlank() ? "" : "\n" + explanation.strip()) + tail(log));
        this.program = program;
        this.log = log;
        this.rejection = rejection;
    }

    private static String verdict(String log, Rejection r) {
        if (r != null) {
            return ": the verifier rejected instruction " + r.instruction() + " (" + r.instructionText() + "): "
                    + r.error();
        }
        String last = lastError(log);
        return last == null ? "" : ": the verifier says: " + last;
    }

    private static String tail(String log) {
        if (log == null || log.isBlank()) {
            return "\nthe verifier gave no log";
        }
        List<String> lines = Arrays.asList(log.strip().split("\n"));
        int from = Math.max(0, lines.size() - TAIL_LINES);
        return "\nverifier log (last " + (lines.size() - from) + " of " + lines.size() + " lines):\n  "
                + String.join("\n  ", lines.subList(from, lines.size()));
    }

    /** The verifier's last line that is neither a summary nor an instruction; null when there is none. */
    private static String lastError(String log) {
        if (log == null) {
            return null;
        }
        String[] lines = log.strip().split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            String l = lines[i].strip();
            if (l.isEmpty() || SUMMARY.matcher(l).matches()) {
                continue;
            }
            return INSN.matcher(l).matches() ? null : l;
        }
        return null;
    }

    /** The last instruction line before the verifier's last error line; null when the log has no such pair. */
    static Rejection rejectionOf(String log) {
        String error = lastError(log);
        if (error == null) {
            return null;
        }
        String[] lines = log.strip().split("\n");
        int i = lines.length - 1;
        while (i >= 0 && !lines[i].strip().equals(error)) {
            i--;
        }
        for (i--; i >= 0; i--) {
            Matcher m = INSN.matcher(lines[i].strip());
            if (m.matches()) {
                String text = m.group(2);
                // At log level 2 the register state follows the instruction after " ; ".
                int state = text.indexOf(" ; ");
                if (state >= 0) {
                    text = text.substring(0, state);
                }
                return new Rejection(Integer.parseInt(m.group(1)), text.strip(), error);
            }
        }
        return null;
    }

    /** The program's name. */
    public String program() {
        return program;
    }

    /** The complete verifier log. */
    public String log() {
        return log;
    }

    /** The instruction the verifier rejected and why, when its log says. */
    public Optional<Rejection> rejection() {
        return Optional.ofNullable(rejection);
    }
}
