package dev.bpflux.kernel;

import com.sun.jna.Memory;
import dev.bpflux.sys.Bpf;
import dev.bpflux.sys.BpfAttr;

/**
 * Whether the kernel has {@code bpf_get_attach_cookie()} (helper 174, Linux 5.15), the fact behind the
 * virtual {@code __kconfig} extern {@code LINUX_HAS_BPF_COOKIE}. Probed as libbpf does: load a kprobe
 * program {@code call bpf_get_attach_cookie; exit}; the verifier rejects a helper it does not know.
 * Loading a kprobe-type program needs no kprobe support (only attaching does), so the probe answers on
 * kernels without CONFIG_KPROBES too. Probed once and cached.
 */
public final class BpfCookieSupport {
    /** {@code BPF_FUNC_get_attach_cookie}. */
    static final int HELPER_GET_ATTACH_COOKIE = 174;
    /** {@code BPF_PROG_TYPE_KPROBE}. */
    private static final int PROG_TYPE_KPROBE = 2;
    private static final BpfCookieSupport SYSTEM = new BpfCookieSupport(Bpf.system());

    private final Bpf bpf;
    private volatile Boolean supported;

    BpfCookieSupport(Bpf bpf) {
        this.bpf = bpf;
    }

    public static BpfCookieSupport system() {
        return SYSTEM;
    }

    /** Whether {@code bpf_get_attach_cookie} is available. */
    public boolean supported() {
        Boolean s = supported;
        if (s == null) {
            s = probe();
            supported = s;
        }
        return s;
    }

    private boolean probe() {
        // call 174 (0x85, imm 174); exit (0x95)
        long[] insns = {0x85L | ((long) HELPER_GET_ATTACH_COOKIE << 32), 0x95L};
        try (Memory code = new Memory(16); BpfAttr.ProgLoad attr = new BpfAttr.ProgLoad()) {
            code.setLong(0, insns[0]);
            code.setLong(8, insns[1]);
            attr.progType(PROG_TYPE_KPROBE).insns(code, 2).license("GPL")
                    .kernVersion(KernelVersion.current().code()); // checked by kernels before 5.0
            int fd = bpf.tryCall(attr);
            if (fd >= 0) {
                bpf.calls().close(fd);
                return true;
            }
            return false;
        }
    }
}
