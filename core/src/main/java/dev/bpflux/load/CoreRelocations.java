package dev.bpflux.load;

import dev.bpflux.BpfException;
import dev.bpflux.kernel.KernelBtfs;
import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.obj.Instructions;
import dev.bpflux.obj.ProgramSpec;
import dev.bpflux.obj.btf.BtfExt;
import dev.bpflux.obj.core.CoreOutcome;
import dev.bpflux.obj.core.CoreRelocator;
import dev.bpflux.obj.core.CoreResult;

import java.util.List;

/**
 * Applies a linked program's CO-RE relocations against the running kernel's BTFs with
 * {@link CoreRelocator}, one relocator per object load (it caches candidate lookups per local type).
 * Unresolvable records are poisoned by the relocator (the verifier rejects them only when reachable,
 * e.g. outside a {@code bpf_core_field_exists()} guard); they are logged at DEBUG.
 */
final class CoreRelocations {
    private static final System.Logger LOG = System.getLogger(CoreRelocations.class.getName());

    private final BpfObjectSpec spec;
    private CoreRelocator relocator;
    private List<CoreOutcome> lastPoisoned = List.of();

    CoreRelocations(BpfObjectSpec spec) {
        this.spec = spec;
    }

    /** The relocations the last {@link #apply} poisoned (the target kernel lacks what they name). */
    List<CoreOutcome> lastPoisoned() {
        return lastPoisoned;
    }

    long[] apply(ProgramSpec program, long[] insns, List<BtfExt.CoreRelocation> records) {
        if (spec.btf().isEmpty()) {
            throw new BpfException(spec.name() + ": program '" + program.name() + "' has " + records.size()
                    + " CO-RE relocations but the object has no BTF to resolve them with");
        }
        if (relocator == null) {
            relocator = CoreRelocator.create(spec.btf().get(), KernelBtfs.system());
        }
        CoreResult r = relocator.relocate(Instructions.of(insns), records);
        lastPoisoned = r.poisoned();
        r.poisoned().forEach(o -> LOG.log(System.Logger.Level.DEBUG, spec.name() + " program '" + program.name()
                + "': CO-RE " + o));
        return r.patched().toLongArray();
    }
}
