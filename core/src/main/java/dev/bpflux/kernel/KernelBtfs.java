package dev.bpflux.kernel;

import com.sun.jna.Memory;
import dev.bpflux.BpfException;
import dev.bpflux.obj.btf.Btf;
import dev.bpflux.obj.core.TargetBtf;
import dev.bpflux.obj.core.TargetBtfs;
import dev.bpflux.sys.Bpf;
import dev.bpflux.sys.BpfAttr;
import dev.bpflux.sys.BpfCommand;
import dev.bpflux.sys.Errno;
import dev.bpflux.sys.GetNextId;
import dev.bpflux.sys.OwnedFd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The running kernel's BTF: vmlinux's ({@code /sys/kernel/btf/vmlinux}, Linux 5.4 with
 * CONFIG_DEBUG_INFO_BTF) and each loaded module's split BTF ({@code /sys/kernel/btf/<module>}, Linux 5.11
 * with CONFIG_DEBUG_INFO_BTF_MODULES). Everything is read on first use and cached: vmlinux when
 * {@link #vmlinux()} is first called, a module only when {@link #module(String)} asks for it (CO-RE and
 * ksym lookups go to modules only when vmlinux lacks the name).
 *
 * <p>A module's kernel BTF object id (what the loader opens with BPF_BTF_GET_FD_BY_ID to pass the module
 * BTF in {@code fd_array} for module kfuncs, or in {@code insn[1].imm} for module variables) is found by
 * walking all BTF objects (BPF_BTF_GET_NEXT_ID, Linux 5.4), opening each (BPF_BTF_GET_FD_BY_ID) and reading
 * its name and {@code kernel_btf} flag (BPF_OBJ_GET_INFO_BY_FD, {@code struct bpf_btf_info}, name since
 * 5.11). This needs CAP_SYS_ADMIN; without it module ids read as 0 and modules are ordered by name.
 * Modules are searched in BTF object id order, the order libbpf uses.
 */
public final class KernelBtfs implements TargetBtfs {
    private static final Path SYS_KERNEL_BTF = Path.of("/sys/kernel/btf");
    private static volatile KernelBtfs system;

    private final Path dir;
    private final Bpf bpf;
    private volatile TargetBtf vmlinux;
    private volatile List<String> moduleNames;
    private volatile Map<String, Integer> moduleIds;
    private final Map<String, TargetBtf> modules = new ConcurrentHashMap<>();

    private KernelBtfs(Path dir, Bpf bpf) {
        this.dir = dir;
        this.bpf = bpf;
    }

    /** The running kernel's BTFs, shared by the whole process (the kernel's BTF does not change). */
    public static KernelBtfs system() {
        KernelBtfs k = system;
        if (k == null) {
            synchronized (KernelBtfs.class) {
                k = system;
                if (k == null) {
                    k = new KernelBtfs(SYS_KERNEL_BTF, Bpf.system());
                    system = k;
                }
            }
        }
        return k;
    }

    /**
     * BTFs from another directory laid out like {@code /sys/kernel/btf} (a {@code vmlinux} file and one
     * file per module); {@code bpf} finds module object ids, null to leave them 0.
     */
    public static KernelBtfs of(Path directory, Bpf bpf) {
        return new KernelBtfs(directory, bpf);
    }

    @Override
    public TargetBtf vmlinux() {
        TargetBtf v = vmlinux;
        if (v == null) {
            synchronized (this) {
                v = vmlinux;
                if (v == null) {
                    Path p = dir.resolve("vmlinux");
                    if (!Files.exists(p)) {
                        throw new dev.bpflux.BpfNotSupportedException("kernel BTF", p + " does not exist: the kernel "
                                + "was built without CONFIG_DEBUG_INFO_BTF (Linux 5.4+); CO-RE, typed __ksym and kfuncs "
                                + "need it");
                    }
                    v = TargetBtf.vmlinux(Btf.read(p));
                    vmlinux = v;
                }
            }
        }
        return v;
    }

    @Override
    public List<String> moduleNames() {
        List<String> names = moduleNames;
        if (names == null) {
            synchronized (this) {
                names = moduleNames;
                if (names == null) {
                    names = listModules();
                    moduleNames = names;
                }
            }
        }
        return names;
    }

    private List<String> listModules() {
        List<String> names = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    String n = p.getFileName().toString();
                    if (!n.equals("vmlinux")) {
                        names.add(n);
                    }
                }
            } catch (IOException e) {
                throw new BpfException("cannot list module BTFs in " + dir + ": " + e.getMessage(), e);
            }
        }
        if (names.isEmpty()) {
            return List.of();
        }
        Map<String, Integer> ids = moduleIds();
        names.sort(Comparator.<String>comparingInt(n -> ids.getOrDefault(n, Integer.MAX_VALUE))
                .thenComparing(Comparator.naturalOrder()));
        return List.copyOf(names);
    }

    @Override
    public TargetBtf module(String name) {
        TargetBtf t = modules.get(name);
        if (t != null) {
            return t;
        }
        if (!moduleNames().contains(name)) {
            throw new IllegalArgumentException("no module BTF '" + name + "' in " + dir);
        }
        return modules.computeIfAbsent(name, n -> new TargetBtf(Btf.readSplit(dir.resolve(n), vmlinux().btf()), n,
                moduleIds().getOrDefault(n, 0)));
    }

    /** The kernel BTF object id of module {@code name}, 0 when unknown. */
    public int moduleBtfObjectId(String name) {
        return moduleIds().getOrDefault(name, 0);
    }

    private Map<String, Integer> moduleIds() {
        Map<String, Integer> ids = moduleIds;
        if (ids == null) {
            synchronized (this) {
                ids = moduleIds;
                if (ids == null) {
                    ids = bpf == null ? Map.of() : Map.copyOf(readKernelBtfIds(bpf));
                    moduleIds = ids;
                }
            }
        }
        return ids;
    }

    /**
     * Walks the kernel's BTF objects and returns module name -> BTF object id for the kernel's own BTFs
     * ({@code kernel_btf} set), the vmlinux one included under "vmlinux". Empty without permission.
     *
     * <p>{@code struct bpf_btf_info}: 0 u64 btf, 8 u32 btf_size, 12 u32 id, 16 u64 name, 24 u32 name_len,
     * 28 u32 kernel_btf (name and kernel_btf since Linux 5.11) = 32 bytes.
     */
    static Map<String, Integer> readKernelBtfIds(Bpf bpf) {
        Map<String, Integer> out = new HashMap<>();
        int id = 0;
        try (Memory info = new Memory(32); Memory name = new Memory(64)) {
            while (true) {
                int next;
                try (GetNextId attr = new GetNextId(BpfCommand.BPF_BTF_GET_NEXT_ID)) {
                    attr.startId(id);
                    int r = bpf.tryCall(attr);
                    if (r < 0) {
                        if (-r == Errno.ENOENT || -r == Errno.EPERM || -r == Errno.EINVAL) {
                            return out;
                        }
                        throw new BpfException("BPF_BTF_GET_NEXT_ID failed with errno " + -r);
                    }
                    next = attr.nextId();
                }
                id = next;
                int fd;
                try (BpfAttr.GetFdById attr = new BpfAttr.GetFdById(BpfCommand.BPF_BTF_GET_FD_BY_ID)) {
                    attr.id(id);
                    fd = bpf.tryCall(attr);
                }
                if (fd < 0) {
                    continue; // freed between the two calls
                }
                try (OwnedFd owned = OwnedFd.adopt(fd, "BTF object #" + id, bpf.calls())) {
                    info.clear();
                    name.clear();
                    info.setLong(16, com.sun.jna.Pointer.nativeValue(name));
                    info.setInt(24, 64);
                    try (BpfAttr.InfoByFd attr = new BpfAttr.InfoByFd()) {
                        attr.bpfFd(owned.fd()).info(info, 32);
                        if (bpf.tryCall(attr) < 0) {
                            continue;
                        }
                    }
                    if (info.getInt(28) != 0) {
                        byte[] b = name.getByteArray(0, 64);
                        int len = 0;
                        while (len < b.length && b[len] != 0) {
                            len++;
                        }
                        out.putIfAbsent(new String(b, 0, len, StandardCharsets.UTF_8), id);
                    }
                }
            }
        }
    }

    @Override
    public String toString() {
        return "KernelBtfs[" + dir + "]";
    }
}
