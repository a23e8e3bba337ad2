package dev.bpflux.obj.core;

import dev.bpflux.obj.Instructions;

import java.util.List;

/**
 * The result of {@link CoreRelocator#relocate}: the patched instructions and, per relocation record
 * in the order given, what it resolved to or why it was poisoned.
 */
public record CoreResult(Instructions patched, List<CoreOutcome> outcomes) {
    public CoreResult {
        outcomes = List.copyOf(outcomes);
    }

    /** The poisoned outcomes (for verifier-failure messages). */
    public List<CoreOutcome> poisoned() {
        return outcomes.stream().filter(CoreOutcome::poisoned).toList();
    }
}
