package dev.bpflux.kernel;

import dev.bpflux.obj.extern.KernelConfig;
import dev.bpflux.obj.extern.KsyscallTarget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyscallWrapperTest {
    @TempDir
    Path dir;

    @Test
    void archPrefixes() {
        assertEquals(Optional.of("x64"), KsyscallTarget.archPrefix("amd64"));
        assertEquals(Optional.of("arm64"), KsyscallTarget.archPrefix("aarch64"));
        assertEquals(Optional.of("s390x"), KsyscallTarget.archPrefix("s390x"));
        assertEquals(Optional.of("riscv"), KsyscallTarget.archPrefix("riscv64"));
        assertEquals(Optional.of("powerpc"), KsyscallTarget.archPrefix("ppc64le"));
        assertEquals(Optional.empty(), KsyscallTarget.archPrefix("sparcv9"));
    }

    @Test
    void kprobeTargetsAsBpfKsyscallChoosesThem() {
        assertEquals("__x64_sys_write", KsyscallTarget.kprobeFunction("write", true, "x64"));
        assertEquals("__arm64_sys_openat", KsyscallTarget.kprobeFunction("openat", true, "arm64"));
        assertEquals("sys_write", KsyscallTarget.kprobeFunction("write", false, "x64"));
        assertEquals("sys_write", KsyscallTarget.kprobeFunction("write", true, null));
    }

    /**
     * This host (x86-64, 6.18, no kprobes): the wrapper is decided from vmlinux BTF, where libbpf 1.1
     * answers 0 because its probe needs a kprobe. The expectation is derived from kallsyms.
     */
    @Test
    void thisKernelWrapsSyscallsAccordingToBtf() throws IOException {
        boolean listed = Files.readAllLines(Path.of("/proc/kallsyms")).stream()
                .anyMatch(l -> l.endsWith(" __x64_sys_write"));
        SyscallWrapper w = SyscallWrapper.detect("amd64", KernelBtfs.system(), null, null);
        assertEquals(listed, w.wrapped(), w.toString());
        assertTrue(w.evidence().contains("vmlinux BTF"), w.evidence());
        assertEquals(listed ? "__x64_sys_write" : "sys_write", w.kprobeTarget("write"));
        assertEquals(w.wrapped(), SyscallWrapper.system().wrapped());
    }

    @Test
    void withoutBtfTheConfigOrKallsymsDecide() throws IOException {
        KernelConfig yes = KernelConfig.parse("CONFIG_ARCH_HAS_SYSCALL_WRAPPER=y\n", "cfg");
        SyscallWrapper c = SyscallWrapper.detect("amd64", null, () -> yes, null);
        assertTrue(c.wrapped());
        assertTrue(c.evidence().contains("CONFIG_ARCH_HAS_SYSCALL_WRAPPER"));
        SyscallWrapper no = SyscallWrapper.detect("amd64", null, () -> KernelConfig.parse("CONFIG_HZ=1\n", "cfg"), null);
        assertFalse(no.wrapped());

        Path k = dir.resolve("kallsyms");
        Files.writeString(k, "ffffffff816bba60 T __arm64_sys_write\n");
        SyscallWrapper ks = SyscallWrapper.detect("aarch64", null, () -> KernelConfig.absent(List.of()),
                KallsymsReader.of(k));
        assertTrue(ks.wrapped(), ks.toString());
        assertEquals("__arm64_sys_write", ks.kprobeTarget("write"));
        Files.writeString(k, "ffffffff816bba60 T sys_write\n");
        assertFalse(SyscallWrapper.detect("amd64", null, null, KallsymsReader.of(k)).wrapped());
        assertFalse(SyscallWrapper.detect("sparcv9", null, null, null).wrapped());
        assertEquals(Map.of(), Map.of());
    }
}
