package dev.bpflux.load.compat;

import dev.bpflux.sys.Capabilities;
import dev.bpflux.BpfException;
import dev.bpflux.kernel.FeatureProbes;
import dev.bpflux.kernel.KernelBtfs;
import dev.bpflux.kernel.KernelVersion;
import dev.bpflux.load.BpfObject;
import dev.bpflux.load.ExternSource;
import dev.bpflux.load.LoadOptions;
import dev.bpflux.load.ProgramUses;
import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.obj.ExternSpec;
import dev.bpflux.obj.MapSpec;
import dev.bpflux.obj.MapType;
import dev.bpflux.obj.ProgramSpec;
import dev.bpflux.obj.ProgramType;
import dev.bpflux.obj.btf.Btf;
import dev.bpflux.obj.core.CoreOutcome;
import dev.bpflux.obj.core.CoreRelocator;
import dev.bpflux.obj.extern.ExternResolution;
import dev.bpflux.obj.extern.ExternResolutions;
import dev.bpflux.obj.extern.ExternResolver;
import dev.bpflux.obj.extern.KernelFacts;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import static dev.bpflux.load.compat.CompatibilityReason.Kind;

/**
 * Checks, program by program, whether an object can load and attach on the running kernel.
 * Immutable; {@code with*} return changed copies.
 *
 * <pre>{@code
 * CompatibilityReport r = CompatibilityCheck.of(BpfObjectSpec.read(path)).analyze();
 * try (BpfObject obj = BpfObject.load(path, LoadOptions.defaults()
 *         .withProgramsToLoad(r.loadablePrograms()))) { ... }
 * }</pre>
 *
 * <p>{@link #analyze()} loads nothing: for each program it takes what the loader would link and use
 * ({@link ProgramUses}), resolves those externs with the loader's resolver and facts, relocates CO-RE
 * against kernel BTF, probes the program type, map types and helpers ({@link FeatureProbes}: tiny probe
 * maps and programs, cached) and looks up the attach point. It cannot predict verifier rejections of
 * the program's own code, nor kfuncs that exist but are not offered to the program's type.
 * {@link #verify()} loads each program alone and attaches it where its section gives the target.
 */
public final class CompatibilityCheck {
    private static final Path VMLINUX_BTF = Path.of("/sys/kernel/btf/vmlinux");

    private final BpfObjectSpec spec;
    private final LoadOptions options;
    /** Facts the caller gave ({@link #withKernelFacts}), null for the loader's. */
    private final KernelFacts facts;
    /** The facts extern resolution uses: {@link #facts}, else the loader's for {@link #options} (made once: they cache). */
    private final KernelFacts effectiveFacts;
    private final FeatureProbes probes;
    /** Stand-in load results by section prefix and target, for this check's lifetime. */
    private final Map<String, CompatibilityReason> standIns = new java.util.concurrent.ConcurrentHashMap<>();
    /** Marks a stand-in that loaded (the map cannot hold null). */
    private static final CompatibilityReason STAND_IN_LOADED = new CompatibilityReason(Kind.NEEDS_TARGET, "", "");

    private CompatibilityCheck(BpfObjectSpec spec, LoadOptions options, KernelFacts facts, FeatureProbes probes) {
        this.spec = spec;
        this.options = options;
        this.facts = facts;
        this.effectiveFacts = facts != null ? facts : ProgramUses.kernelFacts(options);
        this.probes = probes;
    }

    /** A check of {@code spec} with default load options against the running kernel. */
    public static CompatibilityCheck of(BpfObjectSpec spec) {
        return new CompatibilityCheck(Objects.requireNonNull(spec, "spec"), LoadOptions.defaults(), null,
                FeatureProbes.system());
    }

    /** The options the object would be loaded with (kernel config, extern source, variables). */
    public CompatibilityCheck withLoadOptions(LoadOptions o) {
        return new CompatibilityCheck(spec, Objects.requireNonNull(o, "options"), facts, probes);
    }

    /**
     * Resolves externs with these facts instead of the loader's (e.g. a kallsyms copy or another config);
     * {@link #verify()} then loads with an extern source over the same facts.
     */
    public CompatibilityCheck withKernelFacts(KernelFacts f) {
        return new CompatibilityCheck(spec, options, Objects.requireNonNull(f, "facts"), probes);
    }

    private KernelFacts facts() {
        return effectiveFacts;
    }

    private LoadOptions loadOptions() {
        if (facts == null || options.externSource().isPresent()) {
            return options;
        }
        ExternResolver resolver = ExternResolver.create(facts);
        Btf local = spec.btf().orElse(null);
        return options.withExternSource(new ExternSource() {
            @Override
            public ExternResolution resolve(ExternSpec extern) {
                return resolver.resolve(extern, local);
            }

            @Override
            public Map<ExternSpec, ExternResolution> resolveAll(List<ExternSpec> externs) {
                return resolver.resolveAll(externs, local).resolutions();
            }
        });
    }

    /** The verdicts from analysis, without loading anything of the object. */
    /** What {@link MapType#unsetSizes} says of {@code m} after the load options' overrides. */
    private String unsetSize(MapSpec m) {
        return MapType.unsetSizes(m.type(), loadOptions().maxEntries().getOrDefault(m.name(), m.maxEntries()),
                loadOptions().valueSizes().getOrDefault(m.name(), m.valueSize()));
    }

    public CompatibilityReport analyze() {
        List<ProgramUses> uses = new ArrayList<>();
        Set<ExternSpec> allExterns = new LinkedHashSet<>();
        for (ProgramSpec p : spec.programs()) {
            ProgramUses u = ProgramUses.of(spec, p.name(), loadOptions());
            uses.add(u);
            allExterns.addAll(u.externs());
        }
        List<String> warnings = new ArrayList<>();
        Map<ExternSpec, ExternResolution> resolved = resolve(List.copyOf(allExterns), warnings);
        CoreRelocator[] relocator = {null};
        List<ProgramCompatibility> out = new ArrayList<>();
        for (ProgramUses u : uses) {
            out.add(analyze(u, resolved, relocator));
        }
        return new CompatibilityReport(spec.name(), KernelVersion.current().release(), false, out, warnings);
    }

    /**
     * The verdicts from doing: each program loaded alone ({@link LoadOptions#withProgramsToLoad}) and, when
     * the analysis finds its section names the attach target, attached and detached. The analysis'
     * reasons are kept; a failed load or attach adds the error's message.
     */
    public CompatibilityReport verify() {
        CompatibilityReport analysis = analyze();
        LoadOptions base = loadOptions();
        List<ProgramCompatibility> out = new ArrayList<>();
        for (ProgramCompatibility a : analysis.programs()) {
            List<CompatibilityReason> reasons = new ArrayList<>(a.reasons());
            boolean loads;
            ProgramCompatibility.Attach attach = a.attach() == ProgramCompatibility.Attach.NEEDS_TARGET
                    ? ProgramCompatibility.Attach.NEEDS_TARGET : ProgramCompatibility.Attach.NO;
            try (BpfObject obj = BpfObject.load(spec, base.withProgramsToLoad(a.program()))) {
                loads = true;
                if (attach != ProgramCompatibility.Attach.NEEDS_TARGET) {
                    try {
                        obj.program(a.program()).attach(); // closed with obj
                        attach = ProgramCompatibility.Attach.YES;
                    } catch (BpfException e) {
                        attach = ProgramCompatibility.Attach.NO;
                        reasons.add(new CompatibilityReason(Kind.ATTACH_FAILED, "", e.getMessage()));
                    }
                }
            } catch (dev.bpflux.BpfVerifierException e) {
                loads = false;
                reasons.add(new CompatibilityReason(Kind.VERIFIER_REJECTED, "", e.getMessage()));
            } catch (BpfException e) {
                loads = false;
                reasons.add(new CompatibilityReason(Kind.LOAD_FAILED, "", e.getMessage()));
            }
            out.add(new ProgramCompatibility(a.program(), a.section(), loads, attach, reasons));
        }
        return new CompatibilityReport(spec.name(), analysis.kernelRelease(), true, out, analysis.warnings());
    }

    // ---- analysis

    private Map<ExternSpec, ExternResolution> resolve(List<ExternSpec> externs, List<String> warnings) {
        if (externs.isEmpty()) {
            return Map.of();
        }
        if (options.externSource().isPresent()) {
            return options.externSource().get().resolveAll(externs);
        }
        ExternResolutions r = ExternResolver.create(facts()).resolveAll(externs, spec.btf().orElse(null));
        warnings.addAll(r.warnings());
        return r.resolutions();
    }

    private ProgramCompatibility analyze(ProgramUses u, Map<ExternSpec, ExternResolution> resolved,
                                         CoreRelocator[] relocator) {
        ProgramSpec p = u.program();
        List<CompatibilityReason> reasons = new ArrayList<>();
        ProgramType type = p.type();
        FeatureProbes.Support typeSupport = p.typeKnown() ? probes.programTypeSupport(type)
                : FeatureProbes.Support.NO;
        boolean typeKnown = typeSupport == FeatureProbes.Support.YES;
        if (!p.typeKnown()) {
            reasons.add(new CompatibilityReason(Kind.UNKNOWN_SECTION, p.sectionName(), ProgramUses.unknownSection(p)));
        } else if (typeSupport == FeatureProbes.Support.NEEDS_PRIVILEGE) {
            reasons.add(notProbed(type.name().toLowerCase(java.util.Locale.ROOT), "program type " + type));
        } else if (!typeKnown) {
            reasons.add(new CompatibilityReason(Kind.PROGRAM_TYPE_UNSUPPORTED, p.type().name().toLowerCase(),
                    "this kernel cannot load programs of type " + p.type()
                            + (type == null ? "" : " (added in Linux " + type.since() + ")")));
        }
        for (MapSpec m : u.maps()) {
            MapType mt = m.type();
            if (mt == MapType.STRUCT_OPS) {
                continue; // needs a kernel struct to probe; not decidable here
            }
            FeatureProbes.Support mapSupport = mt == null ? FeatureProbes.Support.NO : probes.mapTypeSupport(mt);
            if (mapSupport == FeatureProbes.Support.NEEDS_PRIVILEGE) {
                reasons.add(notProbed(m.name(), "map type " + mt + " (map '" + m.name() + "')"));
            } else if (mapSupport == FeatureProbes.Support.NO) {
                reasons.add(new CompatibilityReason(Kind.MAP_TYPE_UNSUPPORTED, m.name(), "map '" + m.name()
                        + "' has type " + m.type() + ", which this kernel cannot create"));
            }
            int valueSize = loadOptions().valueSizes().getOrDefault(m.name(), m.valueSize());
            String overLimit = mt == null ? null : mt.sizeLimitBroken(m.keySize(), valueSize);
            if (overLimit != null) {
                reasons.add(new CompatibilityReason(Kind.MAP_SIZE_OVER_LIMIT, m.name(), "map '" + m.name()
                        + "' (key size " + m.keySize() + ", value size " + valueSize + ") is too big for " + mt
                        + ": " + overLimit));
            }
            String unset = unsetSize(m);
            if (unset != null) {
                reasons.add(new CompatibilityReason(Kind.MAP_SIZE_UNSET, m.name(), "map '" + m.name() + "' has "
                        + unset + " 0: the object leaves " + (unset.contains(" and ") ? "them" : "it")
                        + " to be set before load (libbpf's"
                        + " bpf_map__set_max_entries/bpf_map__set_value_size); set it with"
                        + " LoadOptions.withMaxEntries/withValueSize(\"" + m.name() + "\", ...)"));
            }
        }
        for (ExternSpec e : u.externs()) {
            extern(e, resolved.get(e), reasons);
        }
        if (typeKnown) {
            for (int helper : u.helperIds()) {
                if (!probes.helper(type, helper)) {
                    reasons.add(new CompatibilityReason(Kind.HELPER_UNSUPPORTED, "#" + helper, "helper #" + helper
                            + " (enum bpf_func_id) does not exist on this kernel or is not offered to " + p.type()
                            + " programs"));
                }
            }
        }
        boolean haveKernelBtf = Files.exists(VMLINUX_BTF);
        if (p.section().attachBtf()) {
            if (!haveKernelBtf) {
                reasons.add(new CompatibilityReason(Kind.NO_KERNEL_BTF, p.attachTarget(), VMLINUX_BTF
                        + " does not exist (CONFIG_DEBUG_INFO_BTF): " + p.sectionName() + " programs find their "
                        + "target in kernel BTF"));
            } else {
                try {
                    ProgramUses.requireAttachBtfTarget(p);
                    if (usesTrampoline(p) && typeKnown) {
                        standIn(p, reasons);
                    }
                } catch (BpfException e) {
                    reasons.add(new CompatibilityReason(Kind.MISSING_BTF_TARGET, p.attachTarget(), e.getMessage()));
                }
            }
        }
        if (!u.coreRelocations().isEmpty()) {
            core(u, haveKernelBtf, relocator, reasons);
        }
        boolean loads = reasons.stream().noneMatch(r -> r.effect() == CompatibilityReason.Effect.LOAD);
        ProgramCompatibility.Attach attach = ProgramCompatibility.Attach.NO;
        if (loads) {
            AttachPoints.Verdict v = AttachPoints.check(p, probes, () -> facts().kernelConfig());
            attach = v.attach();
            reasons.addAll(v.reasons());
        }
        return new ProgramCompatibility(p.name(), p.sectionName(), loads, attach, reasons);
    }

    /** A probe the kernel refused for want of privilege: no verdict, and this process cannot load it either. */
    private static CompatibilityReason notProbed(String subject, String what) {
        return new CompatibilityReason(Kind.PROBE_NEEDS_PRIVILEGE, subject, "could not probe " + what
                + ": the kernel refused the probe with EPERM; a verdict needs " + Capabilities.BPF_PRIVILEGES);
    }

    private static boolean usesTrampoline(ProgramSpec p) {
        return p.section().trampoline();
    }

    /**
     * fentry/fexit/fmod_ret/lsm need a BPF trampoline, which some kernels refuse (no JIT support, no
     * ftrace direct calls, a lockdown policy) with a bare EPERM: a two-instruction stand-in at the same
     * target tells, per kernel and target kind, without the program's own code.
     */
    private void standIn(ProgramSpec p, List<CompatibilityReason> reasons) {
        String key = p.section().prefix() + "/" + p.attachTarget();
        CompatibilityReason r = standIns.computeIfAbsent(key, k -> {
            try (dev.bpflux.prog.BpfProgram prog = ProgramUses.loadStandIn(p)) {
                return STAND_IN_LOADED;
            } catch (dev.bpflux.BpfNotSupportedException e) {
                return new CompatibilityReason(Kind.TRAMPOLINES_UNAVAILABLE, p.attachTarget(), e.getMessage());
            } catch (BpfException e) {
                return new CompatibilityReason(Kind.BTF_TARGET_REFUSED, p.attachTarget(), e.getMessage());
            }
        });
        if (r != STAND_IN_LOADED) {
            reasons.add(r);
        }
    }

    /** Classifies an extern's resolution the way the loader treats it (a weak unresolved one becomes zero). */
    private void extern(ExternSpec e, ExternResolution r, List<CompatibilityReason> reasons) {
        String name = e.name();
        if (r == null) {
            reasons.add(new CompatibilityReason(Kind.UNRESOLVED_EXTERN, name, "the extern source gave no answer"));
        } else if (r instanceof ExternResolution.WeakMissing) {
            reasons.add(new CompatibilityReason(Kind.WEAK_EXTERN_DEFAULTED, name, weakNote(e)
                    + ((ExternResolution.WeakMissing) r).reason()));
        } else if (r instanceof ExternResolution.Unresolved) {
            String msg = ((ExternResolution.Unresolved) r).message();
            if (e.weak()) {
                reasons.add(new CompatibilityReason(Kind.WEAK_EXTERN_DEFAULTED, name, weakNote(e) + msg));
                return;
            }
            reasons.add(new CompatibilityReason(classify(e, msg), name, msg));
        } else if (r instanceof ExternResolution.KsymVariable && !facts().kallsymsHasDataSymbols()) {
            reasons.add(new CompatibilityReason(Kind.TYPED_KSYM_NEEDS_KALLSYMS_ALL, name, "'" + name + "' is in kernel "
                    + "BTF, but the kernel finds a typed __ksym's address through kallsyms, which lists no data "
                    + "symbols here: this kernel lacks CONFIG_KALLSYMS_ALL. Use a kernel with CONFIG_KALLSYMS_ALL=y, "
                    + "or declare it untyped (extern const void " + name + " __ksym;) where an address suffices"));
        }
    }

    private static String weakNote(ExternSpec e) {
        return e.kind() == ExternSpec.Kind.KFUNC ? "weak kfunc, its calls are poisoned (fatal only if reachable): "
                : "weak, reads as 0: ";
    }

    private Kind classify(ExternSpec e, String msg) {
        switch (e.kind()) {
            case KFUNC:
                return msg.contains("no FUNC") ? Kind.MISSING_KFUNC : Kind.UNRESOLVED_EXTERN;
            case KSYM_VARIABLE:
                return msg.contains("no VAR") ? Kind.MISSING_KSYM : Kind.UNRESOLVED_EXTERN;
            case KSYM_UNTYPED:
                // The resolver's own wording: a zeroed address means kptr_restrict, "not found" a missing symbol.
                return msg.contains("address 0") ? Kind.RESTRICTED_KALLSYMS : msg.contains("not found")
                        ? Kind.MISSING_KSYM : Kind.UNRESOLVED_EXTERN;
            case KCONFIG:
                if (e.name().startsWith("LINUX_")) {
                    return Kind.UNRESOLVED_EXTERN;
                }
                try {
                    return facts().kernelConfig().available() ? Kind.MISSING_KCONFIG : Kind.NO_KERNEL_CONFIG;
                } catch (BpfException ex) {
                    return Kind.NO_KERNEL_CONFIG;
                }
            default:
                return Kind.UNRESOLVED_EXTERN;
        }
    }

    private void core(ProgramUses u, boolean haveKernelBtf, CoreRelocator[] relocator,
                      List<CompatibilityReason> reasons) {
        if (spec.btf().isEmpty()) {
            reasons.add(new CompatibilityReason(Kind.CORE_FAILED, "", u.coreRelocations().size() + " CO-RE "
                    + "relocations but the object has no BTF"));
            return;
        }
        if (!haveKernelBtf) {
            reasons.add(new CompatibilityReason(Kind.NO_KERNEL_BTF, "", VMLINUX_BTF + " does not exist "
                    + "(CONFIG_DEBUG_INFO_BTF): " + u.coreRelocations().size() + " CO-RE relocations cannot be resolved"));
            return;
        }
        try {
            if (relocator[0] == null) {
                relocator[0] = CoreRelocator.create(spec.btf().get(), KernelBtfs.system());
            }
            for (CoreOutcome o : relocator[0].relocate(u.insns(), u.coreRelocations()).poisoned()) {
                reasons.add(new CompatibilityReason(Kind.CORE_POISONED, "insn #" + o.relocation().insnIndex(),
                        o.relocation().kind() + ": " + o.description()));
            }
        } catch (BpfException e) {
            reasons.add(new CompatibilityReason(Kind.CORE_FAILED, "", e.getMessage()));
        }
    }
}
