package dev.bpflux.obj.extern;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A kernel configuration as {@code CONFIG_NAME=value} pairs (the text of {@code /proc/config.gz} or
 * {@code /boot/config-<release>}), plus where it came from and which places were searched.
 *
 * <p>Parsing follows the Kconfig output format: lines {@code CONFIG_X=value}; {@code # CONFIG_X is not
 * set} and other comments, blank lines and lines not starting with {@code CONFIG_} are ignored (an
 * unset option reads as missing, as in libbpf). Values are kept as text ({@code y}, {@code m},
 * {@code n}, {@code 250}, {@code 0x1000}, {@code "quoted"}); {@link KconfigValues} converts them to
 * the extern's type.
 *
 * @param values   option name (with {@code CONFIG_}) to raw value text
 * @param source   where the values came from, e.g. {@code "/proc/config.gz"}; null when no
 *                 configuration was found
 * @param searched every place looked at, in order, for messages
 */
public record KernelConfig(Map<String, String> values, String source, List<String> searched) {
    public KernelConfig {
        values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
        searched = List.copyOf(searched);
    }

    /** No configuration found after searching {@code searched}. */
    public static KernelConfig absent(List<String> searched) {
        return new KernelConfig(Map.of(), null, searched);
    }

    /**
     * Parses Kconfig text. A {@code CONFIG_} line without {@code =} or without a value is an error
     * (libbpf rejects those too), reported with its line number.
     */
    public static KernelConfig parse(CharSequence text, String source) {
        Map<String, String> out = new LinkedHashMap<>();
        int n = text.length();
        int lineNo = 0;
        int start = 0;
        while (start < n) {
            int end = start;
            while (end < n && text.charAt(end) != '\n') {
                end++;
            }
            lineNo++;
            addLine(text, start, end, lineNo, source, out);
            start = end + 1;
        }
        return new KernelConfig(out, source, List.of(source));
    }

    private static void addLine(CharSequence text, int start, int end, int lineNo, String source,
                                Map<String, String> out) {
        if (end > start && text.charAt(end - 1) == '\r') {
            end--;
        }
        if (end - start < 7 || !text.subSequence(start, start + 7).toString().equals("CONFIG_")) {
            return;
        }
        String line = text.subSequence(start, end).toString();
        int eq = line.indexOf('=');
        if (eq < 0) {
            throw new KconfigFormatException(source + ":" + lineNo + ": '" + line + "' has no '='");
        }
        if (eq == line.length() - 1) {
            throw new KconfigFormatException(source + ":" + lineNo + ": '" + line + "' has no value");
        }
        // The first definition wins, as in libbpf (an extern is set once).
        out.putIfAbsent(line.substring(0, eq), line.substring(eq + 1));
    }

    /** Whether a configuration was found. */
    public boolean available() {
        return source != null;
    }

    /** The raw value of {@code name} (e.g. {@code CONFIG_HZ}), if set. */
    public Optional<String> value(String name) {
        return Optional.ofNullable(values.get(name));
    }

    /**
     * This configuration with {@code overrides} taking precedence (user-supplied values win over the
     * kernel's, as libbpf's {@code kconfig} open option does).
     */
    public KernelConfig withOverrides(Map<String, String> overrides, String overrideSource) {
        if (overrides.isEmpty()) {
            return this;
        }
        Map<String, String> merged = new LinkedHashMap<>(overrides);
        values.forEach(merged::putIfAbsent);
        String src = source == null ? overrideSource : overrideSource + " + " + source;
        List<String> s = new java.util.ArrayList<>();
        s.add(overrideSource);
        s.addAll(searched);
        return new KernelConfig(merged, src, s);
    }

    /** A configuration line is malformed. */
    public static final class KconfigFormatException extends dev.bpflux.BpfException {
        public KconfigFormatException(String message) {
            super(message);
        }
    }

    @Override
    public String toString() {
        return "KernelConfig[" + (source == null ? "none, searched " + searched : source) + ", "
                + values.size() + " options]";
    }
}
