package dev.bpflux.load;

import dev.bpflux.BpfException;
import dev.bpflux.BpfNotSupportedException;
import dev.bpflux.obj.ProgramSections;
import dev.bpflux.obj.ProgramSpec;
import dev.bpflux.obj.ProgramType;
import dev.bpflux.kernel.KernelBtfs;
import dev.bpflux.obj.core.TargetBtf;
import dev.bpflux.obj.btf.BtfKind;
import dev.bpflux.sys.Bpf;
import dev.bpflux.sys.OwnedFd;

/**
 * Finds the kernel BTF id a BTF-attached program (tp_btf, fentry/fexit/fmod_ret, lsm, iter) names in
 * its section or in {@link LoadOptions#withAttachTarget}: {@code attach_btf_id} at load. Which type
 * the target names is {@link ProgramSections.BtfTarget}'s (by expected attach type, as libbpf).
 */
final class AttachTargets {
    private AttachTargets() {
    }

    /** A kernel BTF id, and the module's BTF object when the target is in a module (null for vmlinux). */
    record Target(int btfId, OwnedFd moduleBtf) {
    }

    static Target resolve(Bpf bpf, ProgramSpec p) {
        String target = p.attachTarget();
        if (target.isEmpty()) {
            throw new BpfException("program '" + p.name() + "' (" + p.sectionName() + ") needs an attach target in "
                    + "its section name, e.g. fentry/do_unlinkat or tp_btf/sched_switch, or set with "
                    + "LoadOptions.withAttachTarget(\"" + p.name() + "\", ...) (--attach-target)");
        }
        if (p.type() == ProgramType.EXT) {
            throw BpfNotSupportedException.inBpflux("freplace programs (BPF_PROG_TYPE_EXT, Linux 5.6)", "program '"
                    + p.name() + "' (" + p.sectionName() + ") replaces a function of another BPF program, which needs "
                    + "that program's fd at load; load the other programs with --program/withProgramsToLoad");
        }
        ProgramSections.BtfTarget bt = ProgramSections.BtfTarget.of(p.expectedAttachType().orElse(null), target);
        String name = bt.name();
        BtfKind kind = bt.kind();
        KernelBtfs btfs = KernelBtfs.system();
        int[] ids = btfs.vmlinux().btf().findByName(name, kind);
        if (ids.length > 0) {
            return new Target(ids[0], null);
        }
        // Then module BTFs (split: search only each module's own types), as libbpf does.
        for (String module : btfs.moduleNames()) {
            TargetBtf t = btfs.module(module);
            for (int id : t.btf().findByName(name, kind)) {
                if (id >= t.firstOwnTypeId()) {
                    if (t.btfObjectId() == 0) {
                        throw new BpfException("program '" + p.name() + "': target " + name + " is in module "
                                + module + ", whose kernel BTF object id is unknown");
                    }
                    return new Target(id, LoaderFacts.btfObject(bpf, t.btfObjectId()));
                }
            }
        }
        throw new BpfException("program '" + p.name() + "' (" + p.sectionName() + "): no " + kind + " named '" + name
                + "' in the kernel's BTF (vmlinux and " + btfs.moduleNames().size() + " module BTFs under "
                + "/sys/kernel/btf); the target does not exist on this kernel. If the section's target is a "
                + "placeholder the tool sets at run time, set it with LoadOptions.withAttachTarget(\"" + p.name()
                + "\", \"<function>\") (CLI: --attach-target " + p.name() + "=<function>)");
    }
}
