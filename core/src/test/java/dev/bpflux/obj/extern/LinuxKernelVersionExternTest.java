package dev.bpflux.obj.extern;

import dev.bpflux.kernel.KernelVersion;
import dev.bpflux.obj.BpfObjectSpec;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code LINUX_KERNEL_VERSION} from release strings of real distributions: the upstream version
 * behind Debian's ABI-named releases and Ubuntu's signature, with the patch level capped at 255.
 */
class LinuxKernelVersionExternTest {
    private static byte[] resolve(int code) {
        BpfObjectSpec o = BpfObjectSpec.read(Path.of("src/test/bpf/load/kconfig.bpf.o"));
        FixedFacts f = new FixedFacts(() -> null, () -> KernelConfig.absent(java.util.List.of()), "");
        f.versionCode = code;
        return ((ExternResolution.KconfigValue) ExternResolver.create(f)
                .resolve(o.extern("LINUX_KERNEL_VERSION").orElseThrow(), o.btf().orElseThrow())).bytes();
    }

    private static byte[] le(int v) {
        return new byte[]{(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
    }

    @Test
    void debianUsesTheVersionInUnameV() {
        KernelVersion v = KernelVersion.detect("6.1.0-27-amd64",
                "#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1 (2025-11-09)", null);
        // 6.1.158: 6 << 16 | 1 << 8 | 158
        assertEquals((6 << 16) | (1 << 8) | 158, v.code());
        assertArrayEquals(le(0x06019e), resolve(v.code()));
        KernelVersion v12 = KernelVersion.detect("6.12.57+deb13-cloud-amd64",
                "#1 SMP PREEMPT_DYNAMIC Debian 6.12.57-1 (2025-11-05)", null);
        assertEquals(0x060c39, v12.code());
    }

    @Test
    void ubuntuUsesItsVersionSignature() {
        KernelVersion v = KernelVersion.detect("5.15.0-91-generic", "#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023",
                "Ubuntu 5.15.0-91.101-generic 5.15.131");
        assertEquals(0x050f83, v.code());
        assertArrayEquals(le(0x050f83), resolve(v.code()));
    }

    @Test
    void patchLevelIsCappedAt255() {
        KernelVersion v = KernelVersion.detect("6.18.44-fc-v669", "#1 SMP PREEMPT_DYNAMIC @0", null);
        assertEquals(0x06122c, v.code());
        assertEquals(0x0412ff, KernelVersion.detect("4.18.300", "", null).code());
        assertArrayEquals(le(0x0412ff), resolve(0x0412ff));
    }
}
