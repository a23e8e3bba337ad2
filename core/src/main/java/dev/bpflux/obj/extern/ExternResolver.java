package dev.bpflux.obj.extern;

import dev.bpflux.obj.DataSectionSpec;
import dev.bpflux.obj.ExternSpec;
import dev.bpflux.obj.btf.Btf;
import dev.bpflux.obj.btf.BtfKind;
import dev.bpflux.obj.core.CoreTypes;
import dev.bpflux.obj.core.TargetBtf;
import dev.bpflux.obj.core.TargetBtfs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Resolves an object's externs ({@code __kconfig}, typed and untyped {@code __ksym}, kfuncs) against
 * {@link KernelFacts}. Pure: everything it knows about the kernel comes through the facts, which are
 * asked only for what the externs at hand need (no kconfig extern: the config is never read; no untyped
 * ksym: kallsyms is never read).
 *
 * <p>How each kind resolves (see {@link ExternResolution} for what the loader does with the answer):
 * <ul>
 * <li>{@code __kconfig CONFIG_*}: the config value encoded by {@link KconfigValues}; missing and weak: 0
 * (with a warning naming the options when there is no config at all); missing and strong: unresolved,
 * naming the places searched and how to supply a config.</li>
 * <li>{@code __kconfig LINUX_KERNEL_VERSION}, {@code LINUX_HAS_BPF_COOKIE}, {@code LINUX_HAS_SYSCALL_WRAPPER}:
 * virtual, from the facts; another {@code LINUX_*} is 0 when weak, an error otherwise.</li>
 * <li>typed {@code __ksym} variable: the VAR of that name in vmlinux BTF, else in module BTFs; its type must
 * be compatible ({@link CoreTypes#areCompatible}) with the local one, even for weak externs.</li>
 * <li>untyped {@code __ksym}: the address in kallsyms; zeroed addresses (kptr_restrict) fail clearly.</li>
 * <li>kfunc: the FUNC in vmlinux, else module BTF, with a compatible prototype; weak and missing or
 * incompatible: {@link ExternResolution.WeakMissing}.</li>
 * </ul>
 * A kfunc's name may carry a {@code ___flavor} suffix ({@code bpf_task_acquire___v2}), stripped for
 * the lookup so one object can declare several prototypes; variables are looked up by their full name
 * (both as libbpf).
 *
 * <p>Thread-safe; caches nothing itself (the facts cache).
 */
public final class ExternResolver {
    /** The kernel's message when it cannot find a typed ksym's address (kernel/bpf/verifier.c). */
    public static final String KSYM_ADDRESS_LOG = "ldimm64 failed to find the address for kernel symbol";

    private static final System.Logger LOG = System.getLogger(ExternResolver.class.getName());

    private final KernelFacts facts;

    private ExternResolver(KernelFacts facts) {
        this.facts = facts;
    }

    /** A resolver over {@code facts}. */
    public static ExternResolver create(KernelFacts facts) {
        return new ExternResolver(facts);
    }

    /** Resolves one extern of an object whose BTF is {@code localBtf}. */
    public ExternResolution resolve(ExternSpec extern, Btf localBtf) {
        return resolveAll(List.of(extern), localBtf).get(extern);
    }

    /**
     * Resolves {@code externs} together: kallsyms is scanned once for all untyped ksyms, the config read
     * once. Never throws for a missing symbol: the answer is {@link ExternResolution.Unresolved}
     * ({@link ExternResolutions#requireResolved()} turns those into one error).
     */
    public ExternResolutions resolveAll(List<ExternSpec> externs, Btf localBtf) {
        Map<ExternSpec, ExternResolution> out = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        Set<String> kallsymsNames = new LinkedHashSet<>();
        for (ExternSpec e : externs) {
            out.put(e, null); // keeps the caller's order while untyped ksyms are resolved last
            if (e.kind() == ExternSpec.Kind.KSYM_UNTYPED) {
                kallsymsNames.add(e.name());
            }
        }
        if (!kallsymsNames.isEmpty()) {
            facts.prefetchKallsyms(kallsymsNames); // overlaps the kallsyms scan with the BTF/config work below
        }
        List<String> weakWithoutConfig = new ArrayList<>();
        for (ExternSpec e : externs) {
            ExternResolution r;
            switch (e.kind()) {
                case KCONFIG:
                    r = kconfig(e, localBtf, warnings, weakWithoutConfig);
                    break;
                case KSYM_VARIABLE:
                    r = ksymVariable(e, localBtf);
                    break;
                case KSYM_UNTYPED:
                    continue;
                case KFUNC:
                    r = kfunc(e, localBtf);
                    break;
                default:
                    throw new IllegalStateException("unknown extern kind " + e.kind());
            }
            out.put(e, r);
        }
        if (!kallsymsNames.isEmpty()) {
            KallsymsLookup kallsyms = facts.kallsyms(kallsymsNames);
            for (ExternSpec e : externs) {
                if (e.kind() == ExternSpec.Kind.KSYM_UNTYPED) {
                    out.put(e, ksymAddress(e, kallsyms));
                }
            }
        }
        if (!weakWithoutConfig.isEmpty()) {
            KernelConfig cfg = facts.kernelConfig();
            String w = "no kernel config found (searched " + String.join(", ", cfg.searched()) + "): weak __kconfig "
                    + "externs " + weakWithoutConfig + " read as 0; supply a config file or values in the load options "
                    + "for their real values";
            LOG.log(System.Logger.Level.WARNING, w);
            warnings.add(w);
        }
        return new ExternResolutions(out, warnings);
    }

    // ---------------------------------------------------------------- kconfig

    private ExternResolution kconfig(ExternSpec e, Btf btf, List<String> warnings, List<String> weakWithoutConfig) {
        String name = e.name();
        int size = e.size();
        KconfigType type = KconfigType.of(btf, e.typeId());
        if (type == KconfigType.UNKNOWN) {
            return new ExternResolution.Unresolved("extern (kconfig) '" + name + "': type " + describeType(btf, e.typeId())
                    + " is not supported; use bool, char, enum libbpf_tristate, a 1/2/4/8-byte integer or a char array");
        }
        boolean signed = KconfigType.isSigned(btf, e.typeId());
        try {
            if (name.startsWith("LINUX_")) {
                switch (name) {
                    case "LINUX_KERNEL_VERSION":
                        return value(KconfigValues.number(name, Integer.toUnsignedLong(facts.kernelVersionCode()), type,
                                size, signed));
                    case "LINUX_HAS_BPF_COOKIE":
                        return value(KconfigValues.number(name, facts.hasBpfCookie() ? 1 : 0, type, size, signed));
                    case "LINUX_HAS_SYSCALL_WRAPPER":
                        return value(KconfigValues.number(name, facts.hasSyscallWrapper() ? 1 : 0, type, size, signed));
                    default:
                        return e.weak() ? new ExternResolution.WeakMissing("unknown virtual extern " + name)
                                : new ExternResolution.Unresolved("extern (kconfig) '" + name + "': unknown virtual "
                                + "extern; bpflux provides LINUX_KERNEL_VERSION, LINUX_HAS_BPF_COOKIE and "
                                + "LINUX_HAS_SYSCALL_WRAPPER");
                }
            }
            KernelConfig cfg = facts.kernelConfig();
            Optional<String> v = cfg.value(name);
            if (v.isPresent()) {
                return value(KconfigValues.encode(name, v.get(), type, size, signed, warnings));
            }
            if (!cfg.available()) {
                if (e.weak()) {
                    weakWithoutConfig.add(name);
                    return new ExternResolution.WeakMissing("no kernel config found (searched "
                            + String.join(", ", cfg.searched()) + ")");
                }
                return new ExternResolution.Unresolved("extern (kconfig) '" + name + "': no kernel config found; searched "
                        + String.join(", ", cfg.searched()) + ". Supply one: a config file or CONFIG_ values in the "
                        + "load options, or declare the extern __weak to read 0 when it is unknown");
            }
            if (e.weak()) {
                return new ExternResolution.WeakMissing(name + " is not set in " + cfg.source());
            }
            return new ExternResolution.Unresolved("extern (kconfig) '" + name + "': not set in " + cfg.source()
                    + "; declare it __weak to read 0 when unset, or supply the value in the load options");
        } catch (KconfigValues.KconfigValueException ex) {
            return new ExternResolution.Unresolved(ex.getMessage());
        }
    }

    private static ExternResolution value(byte[] bytes) {
        return new ExternResolution.KconfigValue(bytes);
    }

    /**
     * The {@code .kconfig} map value: zeros, with each {@link ExternResolution.KconfigValue} copied to its
     * extern's offset. {@code section} is the object's {@code .kconfig} section (its size).
     */
    public static byte[] kconfigSection(DataSectionSpec section, Map<ExternSpec, ExternResolution> resolutions) {
        return kconfigSection(section.size(), resolutions);
    }

    /** The {@code .kconfig} map value of {@code size} bytes. */
    public static byte[] kconfigSection(int size, Map<ExternSpec, ExternResolution> resolutions) {
        byte[] out = new byte[size];
        for (Map.Entry<ExternSpec, ExternResolution> en : resolutions.entrySet()) {
            ExternSpec e = en.getKey();
            if (e.kind() != ExternSpec.Kind.KCONFIG || !(en.getValue() instanceof ExternResolution.KconfigValue)) {
                continue;
            }
            byte[] v = ((ExternResolution.KconfigValue) en.getValue()).bytes();
            if (e.offset() < 0 || (long) e.offset() + v.length > size) {
                throw new IllegalArgumentException("extern '" + e.name() + "' at offset " + e.offset() + " (+" + v.length
                        + ") lies outside the " + size + "-byte .kconfig section");
            }
            System.arraycopy(v, 0, out, e.offset(), v.length);
        }
        return out;
    }

    // ---------------------------------------------------------------- ksyms

    private ExternResolution ksymVariable(ExternSpec e, Btf local) {
        String name = e.name();
        Found f = find(name, BtfKind.VAR);
        if (f == null) {
            return e.weak() ? new ExternResolution.WeakMissing("no VAR '" + name + "' in " + searchedBtfs())
                    : new ExternResolution.Unresolved("extern (var ksym) '" + e.name() + "': no VAR '" + name
                    + "' in kernel BTF (searched " + searchedBtfs() + ")");
        }
        int localType = local.skipModifiers(e.typeId());
        int targetType = f.btf.btf().skipModifiers(f.btf.btf().referencedType(f.id));
        if (!CoreTypes.areCompatible(local, localType, f.btf.btf(), targetType)) {
            // libbpf fails here even for weak externs: a mismatch is a bug in the program.
            return new ExternResolution.Unresolved("extern (var ksym) '" + e.name() + "': incompatible types: the "
                    + "program declares " + describeType(local, localType) + ", " + f.btf.label() + " has ["
                    + targetType + "] " + describeType(f.btf.btf(), targetType));
        }
        return new ExternResolution.KsymVariable(f.id, f.btf.btfObjectId(), f.btf.moduleName());
    }

    private ExternResolution kfunc(ExternSpec e, Btf local) {
        String name = essentialName(e.name());
        Found f = find(name, BtfKind.FUNC);
        if (f == null) {
            return e.weak() ? new ExternResolution.WeakMissing("no kfunc '" + name + "' in " + searchedBtfs())
                    : new ExternResolution.Unresolved("extern (kfunc) '" + e.name() + "': no FUNC '" + name
                    + "' in kernel BTF (searched " + searchedBtfs() + ")");
        }
        int targetProto = f.btf.btf().referencedType(f.id);
        if (!CoreTypes.areCompatible(local, e.typeId(), f.btf.btf(), targetProto)) {
            String why = "prototype " + describeType(local, e.typeId()) + " is incompatible with " + f.btf.label()
                    + " [" + f.id + "] " + describeType(f.btf.btf(), targetProto);
            return e.weak() ? new ExternResolution.WeakMissing(why)
                    : new ExternResolution.Unresolved("extern (kfunc) '" + e.name() + "': " + why);
        }
        return new ExternResolution.Kfunc(f.id, f.btf.btfObjectId(), f.btf.moduleName());
    }

    private ExternResolution ksymAddress(ExternSpec e, KallsymsLookup kallsyms) {
        String name = e.name();
        List<Long> addrs = kallsyms.addresses().get(name);
        if (addrs == null || addrs.isEmpty()) {
            return e.weak() ? new ExternResolution.WeakMissing("'" + name + "' is not in " + kallsyms.source())
                    : new ExternResolution.Unresolved("extern (ksym) '" + e.name() + "': not found in "
                    + kallsyms.source());
        }
        if (kallsyms.zeroed()) {
            return new ExternResolution.Unresolved("extern (ksym) '" + e.name() + "': " + kallsyms.source()
                    + " lists it with address 0: " + kallsyms.restriction() + ". Untyped __ksym externs need real "
                    + "addresses: run as root with CAP_SYSLOG and kernel.kptr_restrict <= 1 (typed __ksym variables "
                    + "and kfuncs are found through BTF and are not affected)");
        }
        if (addrs.size() > 1) {
            return new ExternResolution.Unresolved("extern (ksym) '" + e.name() + "': ambiguous, " + kallsyms.source()
                    + " lists it at " + addrs.stream().map(a -> "0x" + Long.toHexString(a)).toList());
        }
        return new ExternResolution.KsymAddress(addrs.get(0));
    }

    private record Found(TargetBtf btf, int id) {
    }

    /** vmlinux first, then module BTFs in order, each searching only its own types (as libbpf). */
    private Found find(String name, BtfKind kind) {
        TargetBtfs btfs = facts.btfs();
        TargetBtf vmlinux = btfs.vmlinux();
        int[] ids = vmlinux.btf().findByName(name, kind);
        if (ids.length > 0) {
            return new Found(vmlinux, ids[0]);
        }
        for (String m : btfs.moduleNames()) {
            TargetBtf t = btfs.module(m);
            for (int id : t.btf().findByName(name, kind)) {
                if (id >= t.firstOwnTypeId()) {
                    return new Found(t, id);
                }
            }
        }
        return null;
    }

    private String searchedBtfs() {
        List<String> mods = facts.btfs().moduleNames();
        return "vmlinux" + (mods.isEmpty() ? "" : " and " + mods.size() + " module BTFs " + abbreviate(mods));
    }

    private static String abbreviate(List<String> names) {
        return names.size() <= 12 ? names.toString()
                : names.subList(0, 12).toString().replace("]", ", ... " + (names.size() - 12) + " more]");
    }

    // ---------------------------------------------------------------- diagnostics

    /**
     * Explains a program load failure caused by externs, from the verifier log: when the kernel could not
     * find a typed {@code __ksym} variable's address ({@value #KSYM_ADDRESS_LOG}) and kallsyms lacks data
     * symbols, says that the kernel lacks CONFIG_KALLSYMS_ALL. Empty when the log shows no such failure.
     */
    public Optional<String> explainLoadFailure(String verifierLog) {
        if (verifierLog == null || !verifierLog.contains(KSYM_ADDRESS_LOG)) {
            return Optional.empty();
        }
        int at = verifierLog.indexOf(KSYM_ADDRESS_LOG) + KSYM_ADDRESS_LOG.length();
        int end = verifierLog.indexOf('\n', at);
        // The kernel writes "... for kernel symbol 'name'.": keep just the name.
        String sym = verifierLog.substring(at, end < 0 ? verifierLog.length() : end).trim();
        sym = sym.endsWith(".") ? sym.substring(0, sym.length() - 1) : sym;
        sym = sym.length() >= 2 && sym.startsWith("'") && sym.endsWith("'") ? sym.substring(1, sym.length() - 1) : sym;
        if (!facts.kallsymsHasDataSymbols()) {
            return Optional.of("this kernel lacks CONFIG_KALLSYMS_ALL (typed __ksym variables need it): the "
                    + "kernel finds a typed __ksym's address" + (sym.isEmpty() ? "" : " ('" + sym + "')")
                    + " through kallsyms, which lists no data symbols here. Use a kernel built with "
                    + "CONFIG_KALLSYMS_ALL=y, or declare the extern untyped (extern const void " + (sym.isEmpty() ? "x"
                    : sym) + " __ksym;) where an address suffices");
        }
        return Optional.of("the kernel could not find the address of typed __ksym " + sym + " in kallsyms although "
                + "kallsyms lists data symbols; the symbol may be per-CPU or in a module that is not loaded");
    }

    // ---------------------------------------------------------------- names

    /** The name without a {@code ___flavor} suffix ({@code foo___v2} -> {@code foo}), CO-RE's rule. */
    public static String essentialName(String name) {
        return dev.bpflux.obj.core.CoreNames.essentialName(name);
    }

    static String describeType(Btf btf, int id) {
        try {
            int cur = id;
            StringBuilder ptrs = new StringBuilder();
            for (int depth = 0; depth < 8; depth++) {
                cur = btf.skipModifiers(cur);
                if (btf.kind(cur) != BtfKind.PTR) {
                    break;
                }
                ptrs.append('*');
                cur = btf.referencedType(cur);
            }
            BtfKind k = btf.kind(cur);
            String n = btf.typeName(cur);
            String kind = k == BtfKind.STRUCT ? "struct " : k == BtfKind.UNION ? "union " : k == BtfKind.ENUM
                    || k == BtfKind.ENUM64 ? "enum " : k == BtfKind.FUNC_PROTO ? "func_proto" : "";
            return kind + (n.isEmpty() && kind.isEmpty() ? k.name().toLowerCase() : n)
                    + (k == BtfKind.FUNC_PROTO ? "(" + btf.vlen(cur) + " params)" : "") + ptrs;
        } catch (RuntimeException ex) {
            return "[" + id + "]";
        }
    }
}
