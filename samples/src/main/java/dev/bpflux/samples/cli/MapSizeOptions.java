package dev.bpflux.samples.cli;

import dev.bpflux.load.LoadOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --max-entries} and {@code --value-size}: map sizes an object leaves to user space. */
final class MapSizeOptions {
    @Option(names = "--max-entries", paramLabel = "MAP=N", description = "set a map's max_entries (repeatable),"
            + " e.g. for maps the object leaves to user space to size")
    Map<String, Integer> maxEntries = new LinkedHashMap<>();

    @Option(names = "--value-size", paramLabel = "MAP=BYTES", description = "set a map's value size (repeatable),"
            + " e.g. a stack trace map: 8 * stack depth")
    Map<String, Integer> valueSizes = new LinkedHashMap<>();

    LoadOptions applyTo(LoadOptions options) {
        for (Map.Entry<String, Integer> e : maxEntries.entrySet()) {
            options = options.withMaxEntries(e.getKey(), e.getValue());
        }
        for (Map.Entry<String, Integer> e : valueSizes.entrySet()) {
            options = options.withValueSize(e.getKey(), e.getValue());
        }
        return options;
    }
}
