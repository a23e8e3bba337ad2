package dev.bpflux.load;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/** Syscalls the loader tests make to fire the programs they attached (through libc, uncached). */
final class Trigger {
    private Trigger() {
    }

    private static final class Libc {
        static {
            Native.register(NativeLibrary.getInstance("c"));
        }

        static native int getpid();

        static native int getpgid(int pid);

        static native int unlink(String path);
    }

    static void getpid(int times) {
        for (int i = 0; i < times; i++) {
            Libc.getpid();
        }
    }

    static int getpgid(int times) {
        int r = 0;
        for (int i = 0; i < times; i++) {
            r = Libc.getpgid(0);
        }
        return r;
    }

    /**
     * unlink(2) through libc, whether or not the file exists (Files.deleteIfExists does not call unlink
     * for a missing file: it looks first). Returns unlink's result (-1 for a missing file).
     */
    static int unlink(java.nio.file.Path path) {
        return Libc.unlink(path.toString());
    }

    /** getpgid(1234): the ksyscall test's argument (fails with ESRCH unless such a process exists). */
    static void getpgid1234() {
        Libc.getpgid(1234);
    }

    /** The libc JNA loaded: uprobes on its functions see the calls above. */
    static java.nio.file.Path libc() {
        NativeLibrary.getInstance("c");
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/maps"))) {
                int slash = line.indexOf('/');
                if (slash > 0 && line.matches(".*/libc(\\.so\\.6|-[0-9.]+\\.so)$")) {
                    return java.nio.file.Path.of(line.substring(slash));
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        throw new IllegalStateException("libc is not mapped into this process");
    }

    /** The cgroup v2 mount point (hybrid hierarchies mount it at /sys/fs/cgroup/unified). */
    static java.nio.file.Path cgroup2() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/mounts"))) {
                String[] f = line.split(" ");
                if (f.length > 2 && f[2].equals("cgroup2")) {
                    return java.nio.file.Path.of(f[1]);
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        throw new IllegalStateException("no cgroup2 mount in /proc/mounts");
    }

    /**
     * Whether "bpf" is among the active LSMs: /sys/kernel/security/lsm when securityfs is mounted, else
     * an lsm= boot parameter, else the kernel config's CONFIG_LSM default.
     */
    static boolean bpfLsmActive() {
        try {
            java.nio.file.Path lsm = java.nio.file.Path.of("/sys/kernel/security/lsm");
            if (java.nio.file.Files.isReadable(lsm)) {
                return java.util.List.of(java.nio.file.Files.readString(lsm).trim().split(",")).contains("bpf");
            }
            for (String arg : java.nio.file.Files.readString(java.nio.file.Path.of("/proc/cmdline")).trim().split("\\s+")) {
                if (arg.startsWith("lsm=")) {
                    return java.util.List.of(arg.substring(4).split(",")).contains("bpf");
                }
            }
            String configured = ExternsTest.kernelConfig().getOrDefault("CONFIG_LSM", "\"\"");
            return java.util.List.of(configured.replace("\"", "").split(",")).contains("bpf");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Whether vmlinux BTF has kernel function {@code name} (a kfunc that exists on this kernel). */
    static boolean kernelHasFunction(String name) {
        return dev.bpflux.kernel.KernelBtfs.system().vmlinux().btf()
                .findByName(name, dev.bpflux.obj.btf.BtfKind.FUNC).length > 0;
    }

    /** Whether tracefs lets this process see ftrace's function list: hosts whose policy forbids BPF trampolines refuse it. */
    static boolean ftraceFunctionsReadable() {
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(
                java.nio.file.Path.of("/sys/kernel/tracing/available_filter_functions"))) {
            return in.read() >= 0;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    static int tgid() {
        return (int) ProcessHandle.current().pid();
    }
}
