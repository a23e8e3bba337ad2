package dev.bpflux.obj.extern;

import java.util.List;
import java.util.Map;

/**
 * The result of looking up some names in {@code /proc/kallsyms}.
 *
 * @param addresses    for each wanted name that was listed, its distinct addresses in file order (a
 *                     static symbol may appear in several places); names not listed are absent
 * @param zeroed       every address in the file was 0: {@code kptr_restrict} (or a reader without
 *                     CAP_SYSLOG) hides them, so the addresses here are useless
 * @param source       where the symbols came from ({@code /proc/kallsyms}), for messages
 * @param restriction  why addresses are hidden, for messages (null when {@code !zeroed})
 */
public record KallsymsLookup(Map<String, List<Long>> addresses, boolean zeroed, String source, String restriction) {
    public KallsymsLookup {
        addresses = Map.copyOf(addresses);
    }
}
