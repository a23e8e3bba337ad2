package dev.bpflux.load;

import dev.bpflux.map.BpfMap;
import dev.bpflux.map.MapDefinition;
import dev.bpflux.map.MapFlags;
import dev.bpflux.sys.Bpf;
import dev.bpflux.sys.BpfAttr;
import dev.bpflux.sys.BpfCommand;
import dev.bpflux.sys.OwnedFd;

/**
 * Facts about the running kernel the loader needs beyond {@code dev.bpflux.kernel}'s, each found once
 * per JVM and cached: BTF kinds the checker accepts, whether arrays can be mmap'd.
 */
final class LoaderFacts {
    private static volatile Boolean mmapableArrays;

    private LoaderFacts() {
    }

    static ObjectBtfFixer.BtfFeatures btfFeatures() {
        return BtfFeatureProbes.features();
    }

    /** {@code BPF_F_MMAPABLE} arrays (Linux 5.5): probed by creating one. */
    @SuppressWarnings("try") // the probe map is only created and closed
    static boolean mmapableArrays() {
        Boolean m = mmapableArrays;
        if (m == null) {
            try (BpfMap probe = BpfMap.create(MapDefinition.builder(dev.bpflux.map.MapType.ARRAY).keySize(4)
                    .valueSize(4).maxEntries(1).flags(MapFlags.BPF_F_MMAPABLE).name("bpflux_probe").build())) {
                m = Boolean.TRUE;
            } catch (RuntimeException e) {
                m = Boolean.FALSE;
            }
            mmapableArrays = m;
        }
        return m;
    }

    /** A descriptor for the kernel BTF object with id {@code id} (a module's, for kfuncs and attach targets). */
    static OwnedFd btfObject(int id) {
        try (BpfAttr.GetFdById attr = new BpfAttr.GetFdById(BpfCommand.BPF_BTF_GET_FD_BY_ID)) {
            attr.id(id);
            return Bpf.system().callForFd(attr, "kernel BTF object " + id,
                    "ENOENT means the module owning that BTF was unloaded");
        }
    }
}
