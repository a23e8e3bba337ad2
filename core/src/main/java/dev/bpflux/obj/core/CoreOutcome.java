package dev.bpflux.obj.core;

import dev.bpflux.obj.btf.BtfExt;

/**
 * What happened to one CO-RE relocation record: resolved to a value (the instruction now holds it)
 * or poisoned (the target kernel lacks the field/type/enumerator; the instruction was replaced so the
 * verifier rejects it only if it is reachable).
 *
 * @param relocation   the record, with its instruction index relative to the relocated instructions
 * @param status       resolved or poisoned
 * @param localValue   the value the compiler put in (what the object's own BTF says), -1 if unknown
 * @param targetValue  the value for the target kernel (the patched-in value); 0 when poisoned
 * @param target       "vmlinux" or the module whose BTF supplied the match; null when nothing matched
 * @param targetTypeId the matched kernel type id (0 when none)
 * @param description  human-readable: the local type and access path, what matched or why poisoned,
 *                     e.g. {@code "struct task_struct.pid (0:61) -> vmlinux [142] offset 2456"}
 */
public record CoreOutcome(BtfExt.CoreRelocation relocation, Status status, long localValue, long targetValue,
                          String target, int targetTypeId, String description) {
    /** Resolution status of a record. */
    public enum Status {
        /** The instruction was patched with {@link #targetValue()}. */
        RESOLVED,
        /**
         * No candidate matched: the instruction was replaced by a call to the invalid helper
         * {@link CoreRelocator#POISON_HELPER_ID} ({@code 0xbad2310}); the program still verifies when the
         * instruction is dead code (guarded by {@code bpf_core_field_exists()} etc.).
         */
        POISONED
    }

    public boolean poisoned() {
        return status == Status.POISONED;
    }

    @Override
    public String toString() {
        return "insn #" + relocation.insnIndex() + " " + relocation.kind() + ": " + status + " - " + description;
    }
}
