package dev.bpflux.samples.cli;

import dev.bpflux.load.LoadOptions;
import dev.bpflux.obj.AttachType;
import dev.bpflux.obj.ProgramType;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code --attach-target} and {@code --program-type}: what a program's section leaves to be set at run
 * time (a placeholder target such as {@code fentry/func}, or a section of no known name).
 */
final class ProgramTargetOptions {
    @Option(names = "--attach-target", paramLabel = "PROG=FUNC", description = "set a program's attach target "
            + "before load (repeatable), as libbpf's bpf_program__set_attach_target: the kernel function, tracepoint "
            + "or hook a fentry/tp_btf/lsm program attaches to (e.g. a fentry/func placeholder), or the default "
            + "target of other programs")
    Map<String, String> attachTargets = new LinkedHashMap<>();

    @Option(names = "--program-type", paramLabel = "PROG=TYPE[:ATTACH]", description = "set a program's type and "
            + "expected attach type before load (repeatable), e.g. in_mystery=socket_filter or "
            + "on_x=tracing:trace_raw_tp; for sections whose name says no type")
    Map<String, String> programTypes = new LinkedHashMap<>();

    LoadOptions applyTo(LoadOptions options) {
        for (Map.Entry<String, String> e : programTypes.entrySet()) {
            String[] parts = e.getValue().split(":", 2);
            ProgramType type = parse(ProgramType.class, parts[0], "--program-type " + e.getKey());
            AttachType attach = parts.length > 1 ? parse(AttachType.class, parts[1], "--program-type " + e.getKey())
                    : null;
            options = options.withProgramType(e.getKey(), type, attach);
        }
        for (Map.Entry<String, String> e : attachTargets.entrySet()) {
            options = options.withAttachTarget(e.getKey(), e.getValue());
        }
        return options;
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String name, String option) {
        try {
            return Enum.valueOf(type, name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": no " + type.getSimpleName() + " '" + name + "'; one of "
                    + Arrays.stream(type.getEnumConstants()).map(c -> c.name().toLowerCase(Locale.ROOT)).toList());
        }
    }
}
