package dev.bpflux.load;

import dev.bpflux.BpfException;
import dev.bpflux.BpfNotSupportedException;
import dev.bpflux.obj.ProgramSpec;
import dev.bpflux.obj.btf.Btf;
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
        Btf vmlinux = KernelFacts.vmlinux();
        int[] ids = vmlinux.findByName(name, kind);
        if (ids.length > 0) {
            return new Target(ids[0], null);
        }
        throw new BpfException("program '" + p.name() + "' (" + p.sectionName() + "): no " + kind + " named '" + name
                + "' in the kernel's BTF (/sys/kernel/btf/vmlinux); the target does not exist on this kernel"
                + " (or is in a module, which bpflux does not search yet)");
    }
}
