package dev.bpflux.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.obj.MapType;
import dev.bpflux.sys.Errno;
import java.util.ArrayList;
import java.util.List;
import dev.bpflux.obj.Assembler;
import dev.bpflux.obj.ProgramType;
import dev.bpflux.testing.KernelRequirements;
import dev.bpflux.testing.KernelTest;
import org.junit.jupiter.api.Test;

/**
 * Probes against what the kernel reports: a type newer than this kernel must probe false, and a
 * type its version has must probe true unless the kernel itself refused it with EPERM (a policy
 * of this machine; machines of one kernel version differ there). Any other failure of a type the
 * version has is a probe bug that would hide a real feature. Nonsense must probe false.
 */
@KernelTest
class FeatureProbesTest {
    private final FeatureProbes probes = FeatureProbes.system();
    private final KernelVersion kernel = KernelVersion.current();

    private boolean has(String since) {
        String[] p = since.split("\\.");
        return kernel.atLeast(Integer.parseInt(p[0]), Integer.parseInt(p[1]));
    }

    @Test
    void mapTypesOfThisKernelVersionProbeTrueUnlessRefused() {
        List<String> refused = new ArrayList<>();
        for (MapType t : MapType.values()) {
            // Types that also depend on a config option rather than the version alone.
            if (t == MapType.UNSPEC || t == MapType.STRUCT_OPS || t == MapType.XSKMAP || t == MapType.INODE_STORAGE
                    || t == MapType.SOCKMAP || t == MapType.SOCKHASH || t == MapType.REUSEPORT_SOCKARRAY) {
                continue;
            }
            boolean probed = probes.mapType(t);
            if (probed || !has(t.since())) {
                assertEquals(has(t.since()), probed, t.kernelName() + " since " + t.since());
            } else {
                int errno = probes.mapTypeErrno(t);
                assertEquals(Errno.EPERM, errno, t.kernelName() + " (since " + t.since() + ") probed false with "
                        + Errno.name(errno) + ": only a refusal by this machine's policy may hide a type the kernel has");
                refused.add(t.kernelName());
            }
        }
        assertFalse(probes.mapType(MapType.UNSPEC));
        System.out.println("map types this kernel has but refuses here (EPERM): " + (refused.isEmpty() ? "none" : refused));
    }

    @Test
    void programTypesOfThisKernelVersionProbeTrue() {
        for (ProgramType t : ProgramType.values()) {
            // Types that also depend on a config option (CONFIG_BPF_LIRC_MODE2, CONFIG_IPV6_SEG6_BPF,
            // CONFIG_BPF_LSM, CONFIG_NETFILTER_BPF_LINK, CONFIG_LWTUNNEL_BPF) rather than the version alone.
            if (t == ProgramType.UNSPEC || t == ProgramType.LIRC_MODE2 || t == ProgramType.LWT_SEG6LOCAL
                    || t == ProgramType.LSM || t == ProgramType.NETFILTER || t == ProgramType.LWT_IN
                    || t == ProgramType.LWT_OUT || t == ProgramType.LWT_XMIT) {
                continue;
            }
            assertEquals(has(t.since()), probes.programType(t), t.kernelName() + " since " + t.since());
        }
    }

    @Test
    void helpers() {
        assertTrue(probes.helper(ProgramType.TRACEPOINT, Assembler.FN_MAP_LOOKUP_ELEM));
        assertTrue(probes.helper(ProgramType.TRACEPOINT, Assembler.FN_GET_CURRENT_PID_TGID));
        // bpf_probe_write_user (36) is for tracing programs only.
        assertFalse(probes.helper(ProgramType.XDP, 36));
        assertFalse(probes.helper(ProgramType.SOCKET_FILTER, 100_000));
    }

    @Test
    void kernelFeatures() {
        assertEquals(has("4.18"), probes.btf());
        assertEquals(has("5.5"), probes.mmapableMaps());
        assertEquals(has("5.7"), probes.bpfLinks());
        assertEquals(has("5.15"), probes.perfLinkCookies());
        assertEquals(KernelRequirements.kernelHasKprobes(), probes.kprobePmu());
        assertTrue(probes.uprobePmu());
    }
}
