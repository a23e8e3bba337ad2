package dev.bpflux.load;

import dev.bpflux.sys.Bpf;
import dev.bpflux.sys.BpfAttr;
import dev.bpflux.sys.BpfCommand;
import dev.bpflux.sys.OwnedFd;

/**
 * Facts about the running kernel the loader needs beyond {@code dev.bpflux.kernel}'s, each found once
 * per door (the real kernel's once per JVM) and cached: BTF kinds the checker accepts, whether arrays can be mmap'd.
 */
final class LoaderFacts {

    private LoaderFacts() {
    }

    static ObjectBtfFixer.BtfFeatures btfFeatures(Bpf bpf) {
        return BtfFeatureProbes.features(bpf);
    }

    /** {@code BPF_F_MMAPABLE} arrays (Linux 5.5), probed once by the native layer. */
    static boolean mmapableArrays(Bpf bpf) {
        return dev.bpflux.kernel.FeatureProbes.of(bpf).mmapableMaps();
    }

    /** A descriptor for the kernel BTF object with id {@code id} (a module's, for kfuncs and attach targets). */
    static OwnedFd btfObject(Bpf bpf, int id) {
        try (BpfAttr.GetFdById attr = new BpfAttr.GetFdById(BpfCommand.BPF_BTF_GET_FD_BY_ID)) {
            attr.id(id);
            return bpf.callForFd(attr, "kernel BTF object " + id,
                    "ENOENT means the module owning that BTF was unloaded");
        }
    }
}
