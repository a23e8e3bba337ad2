package dev.bpflux.load;

import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.obj.ProgramSpec;
import dev.bpflux.obj.btf.BtfExt;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Set;

/**
 * Applies a linked program's CO-RE relocations (field offsets, type ids, enum values computed
 * against the target kernel's BTF). The relocator comes from {@code dev.bpflux.obj.core}; where that
 * is not part of the build, instructions are left as compiled (correct only on a kernel whose
 * layouts match the {@code vmlinux.h} the object was built with) and a warning says so, once per object.
 */
final class CoreRelocations {
    private static final System.Logger LOG = System.getLogger(CoreRelocations.class.getName());
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    private CoreRelocations() {
    }

    static long[] apply(BpfObjectSpec spec, ProgramSpec program, long[] insns, List<BtfExt.CoreRelocation> records) {
        if (WARNED.add(spec.name())) {
            LOG.log(System.Logger.Level.WARNING, spec.name() + ": " + records.size() + " CO-RE relocations of program '"
                    + program.name() + "' left as compiled: no CO-RE relocator in this build");
        }
        return insns;
    }
}
