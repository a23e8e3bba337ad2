package dev.bpflux.obj.core;

import dev.bpflux.obj.btf.Btf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernel BTFs that CO-RE relocations and {@code __ksym} externs resolve against: vmlinux first,
 * then the modules in the kernel's BTF object id order (the order libbpf searches them in).
 *
 * <p>Implementations are lazy: {@code dev.bpflux.kernel.KernelBtfs} parses vmlinux on first
 * {@link #vmlinux()} and a module's split BTF only when {@link #module(String)} asks for it, so a
 * lookup that succeeds in vmlinux never reads a module. Implementations must be thread-safe.
 */
public interface TargetBtfs {
    /** vmlinux's BTF. */
    TargetBtf vmlinux();

    /** Names of the modules that have BTF, in search order. Cheap (no BTF is parsed). */
    List<String> moduleNames();

    /** A module's BTF (parsed on first use). */
    TargetBtf module(String name);

    /** Fixed targets, e.g. for tests or a vmlinux BTF supplied by the user: no module ids known. */
    static TargetBtfs of(Btf vmlinux, Map<String, Btf> modules) {
        Map<String, TargetBtf> mods = new LinkedHashMap<>();
        modules.forEach((n, b) -> mods.put(n, new TargetBtf(b, n, 0)));
        return of(TargetBtf.vmlinux(vmlinux), List.copyOf(mods.values()));
    }

    /** Fixed targets with known module BTF object ids. */
    static TargetBtfs of(TargetBtf vmlinux, List<TargetBtf> modules) {
        Map<String, TargetBtf> mods = new LinkedHashMap<>();
        for (TargetBtf m : modules) {
            mods.put(m.moduleName(), m);
        }
        List<String> names = List.copyOf(new ArrayList<>(mods.keySet()));
        return new TargetBtfs() {
            @Override
            public TargetBtf vmlinux() {
                return vmlinux;
            }

            @Override
            public List<String> moduleNames() {
                return names;
            }

            @Override
            public TargetBtf module(String name) {
                TargetBtf t = mods.get(name);
                if (t == null) {
                    throw new IllegalArgumentException("no module BTF '" + name + "'; modules: " + names);
                }
                return t;
            }
        };
    }
}
