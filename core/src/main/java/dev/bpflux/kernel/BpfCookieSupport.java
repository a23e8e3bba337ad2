package dev.bpflux.kernel;

import dev.bpflux.obj.ProgramType;

/**
 * Whether the kernel has {@code bpf_get_attach_cookie()} (helper 174, Linux 5.15), the fact behind the
 * virtual {@code __kconfig} extern {@code LINUX_HAS_BPF_COOKIE}. Probed as libbpf does, through the sys
 * layer's {@link FeatureProbes#helper}: a kprobe program calling the helper loads, or the verifier
 * rejects the unknown helper. Loading a kprobe-type program needs no kprobe support (only attaching
 * does), so the probe answers on kernels without CONFIG_KPROBES too. Probed once and cached.
 */
public final class BpfCookieSupport {
    /** {@code BPF_FUNC_get_attach_cookie}. */
    static final int HELPER_GET_ATTACH_COOKIE = 174;
    private static final BpfCookieSupport SYSTEM = new BpfCookieSupport(FeatureProbes.system());

    private final FeatureProbes probes;

    BpfCookieSupport(FeatureProbes probes) {
        this.probes = probes;
    }

    public static BpfCookieSupport system() {
        return SYSTEM;
    }

    /** Whether {@code bpf_get_attach_cookie} is available. */
    public boolean supported() {
        return probes.helper(ProgramType.KPROBE, HELPER_GET_ATTACH_COOKIE);
    }
}
