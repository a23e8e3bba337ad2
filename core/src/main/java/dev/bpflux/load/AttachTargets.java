package dev.bpflux.load;

import dev.bpflux.BpfException;
import dev.bpflux.BpfNotSupportedException;
import dev.bpflux.obj.ProgramSpec;
import dev.bpflux.kernel.KernelBtfs;
import dev.bpflux.obj.core.TargetBtf;
import dev.bpflux.obj.btf.BtfKind;
import dev.bpflux.sys.OwnedFd;

/**
 * Finds the kernel BTF id a BTF-attached program (tp_btf, fentry/fexit/fmod_ret, lsm, iter) names in
 * its section: {@code attach_btf_id} at load. A tp_btf target {@code X} is the typedef
 * {@code btf_trace_X}; an lsm hook {@code X} the function {@code bpf_lsm_X}; an iterator {@code X}
 * the function {@code bpf_iter_X}; fentry/fexit/fmod_ret targets are functions.
 */
final class AttachTargets {
    private AttachTargets() {
    }

    /** A kernel BTF id, and the module's BTF object when the target is in a module (null for vmlinux). */
    record Target(int btfId, OwnedFd moduleBtf) {
    }

    static Target resolve(ProgramSpec p) {
        String target = p.attachTarget();
        if (target.isEmpty()) {
            throw new BpfException("program '" + p.name() + "' (" + p.sectionName() + ") needs an attach target in "
                    + "its section name, e.g. fentry/do_unlinkat or tp_btf/sched_switch");
        }
        String prefix = p.section().prefix();
        String name;
        BtfKind kind = BtfKind.FUNC;
        if (prefix.equals("tp_btf")) {
            name = "btf_trace_" + target;
            kind = BtfKind.TYPEDEF;
        } else if (prefix.startsWith("lsm")) {
            name = "bpf_lsm_" + target;
        } else if (prefix.startsWith("iter")) {
            name = "bpf_iter_" + target;
        } else if (prefix.equals("freplace")) {
            throw new BpfNotSupportedException("freplace programs", "bpflux cannot yet load programs that replace "
                    + "another BPF program's function (they need the target program's fd at load)");
        } else {
            name = target;
        }
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
                    return new Target(id, LoaderFacts.btfObject(t.btfObjectId()));
                }
            }
        }
        throw new BpfException("program '" + p.name() + "' (" + p.sectionName() + "): no " + kind + " named '" + name
                + "' in the kernel's BTF (vmlinux and " + btfs.moduleNames().size() + " module BTFs under "
                + "/sys/kernel/btf); the target does not exist on this kernel");
    }
}
