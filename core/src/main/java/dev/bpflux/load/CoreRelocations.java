package dev.bpflux.load;

import dev.bpflux.BpfException;
import dev.bpflux.BpfNotSupportedException;
import dev.bpflux.kernel.KernelBtfs;
import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.obj.Instructions;
import dev.bpflux.obj.ProgramSpec;
import dev.bpflux.obj.btf.BtfExt;
import dev.bpflux.obj.core.CoreRelocator;
import dev.bpflux.obj.core.CoreResult;

import java.util.List;

/**
 * Applies a linked program's CO-RE relocations against the running kernel's BTFs with
 * {@link CoreRelocator}, one relocator per object load (it caches candidate lookups per local type).
 *
 * <p>Where the relocator is not available in this build, instructions are left as compiled (right
 * only on a kernel whose layouts match the {@code vmlinux.h} the object was built with) and a warning
 * says so, once per object.
 */
final class CoreRelocations {
    private static final System.Logger LOG = System.getLogger(CoreRelocations.class.getName());

    private final BpfObjectSpec spec;
    private CoreRelocator relocator;
    private boolean unavailable;

    CoreRelocations(BpfObjectSpec spec) {
        this.spec = spec;
    }

    long[] apply(ProgramSpec program, long[] insns, List<BtfExt.CoreRelocation> records) {
        if (unavailable) {
            return insns;
        }
        if (spec.btf().isEmpty()) {
            throw new BpfException(spec.name() + ": program '" + program.name() + "' has " + records.size()
                    + " CO-RE relocations but the object has no BTF to resolve them with");
        }
        if (relocator == null) {
            relocator = CoreRelocator.create(spec.btf().get(), KernelBtfs.system());
        }
        CoreResult r;
        try {
            r = relocator.relocate(Instructions.of(insns), records);
        } catch (BpfNotSupportedException e) {
            unavailable = true;
            LOG.log(System.Logger.Level.WARNING, spec.name() + ": CO-RE relocations left as compiled ("
                    + e.getMessage() + ")");
            return insns;
        }
        r.poisoned().forEach(o -> LOG.log(System.Logger.Level.DEBUG, spec.name() + " program '" + program.name()
                + "': CO-RE " + o));
        return r.patched().toLongArray();
    }
}
