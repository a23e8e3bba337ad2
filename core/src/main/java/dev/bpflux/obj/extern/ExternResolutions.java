package dev.bpflux.obj.extern;

import dev.bpflux.BpfException;
import dev.bpflux.obj.ExternSpec;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The resolutions of all of an object's (or a program's) externs, in the order given, plus warnings
 * the loader should pass on (weak externs defaulted to zero because no kernel config was found, long
 * kconfig strings truncated).
 */
public record ExternResolutions(Map<ExternSpec, ExternResolution> resolutions, List<String> warnings) {
    public ExternResolutions {
        resolutions = Collections.unmodifiableMap(new LinkedHashMap<>(resolutions));
        warnings = List.copyOf(warnings);
    }

    public ExternResolution get(ExternSpec extern) {
        return resolutions.get(extern);
    }

    /** The externs that could not be resolved (non-weak and missing or incompatible). */
    public List<ExternSpec> unresolved() {
        return resolutions.entrySet().stream().filter(e -> e.getValue() instanceof ExternResolution.Unresolved)
                .map(Map.Entry::getKey).toList();
    }

    /**
     * Throws a {@link BpfException} listing every unresolved extern's message when there is any; the
     * loader calls this before BPF_PROG_LOAD.
     */
    public ExternResolutions requireResolved() {
        List<ExternSpec> bad = unresolved();
        if (!bad.isEmpty()) {
            StringBuilder sb = new StringBuilder(bad.size() == 1 ? "unresolved extern: " : bad.size()
                    + " unresolved externs:");
            for (ExternSpec e : bad) {
                sb.append(bad.size() == 1 ? "" : "\n  ")
                        .append(((ExternResolution.Unresolved) resolutions.get(e)).message());
            }
            throw new BpfException(sb.toString());
        }
        return this;
    }
}
