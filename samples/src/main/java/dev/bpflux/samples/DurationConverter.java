package dev.bpflux.samples;

import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;

/** Command-line durations: "100us", "500ms", "10s", "2m" or an ISO-8601 duration ("PT1.5S"). */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.endsWith("us")) {
            return Duration.ofNanos(1000 * Long.parseLong(v.substring(0, v.length() - 2)));
        }
        if (v.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
        }
        if (v.endsWith("s") && !v.startsWith("p")) {
            return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
        }
        if (v.endsWith("m") && !v.startsWith("p")) {
            return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
        }
        return Duration.parse(value);
    }
}
