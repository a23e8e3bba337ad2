package dev.bpflux.load.compat;

import dev.bpflux.BpfException;
import dev.bpflux.kernel.FeatureProbes;
import dev.bpflux.kernel.KallsymsReader;
import dev.bpflux.kernel.KernelBtfs;
import dev.bpflux.kernel.SyscallWrapper;
import dev.bpflux.kernel.Tracefs;
import dev.bpflux.obj.ProgramSections;
import dev.bpflux.obj.ProgramSpec;
import dev.bpflux.obj.btf.BtfKind;
import dev.bpflux.obj.core.TargetBtf;
import dev.bpflux.obj.extern.KernelConfig;
import dev.bpflux.sys.SystemCalls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Whether the attach point a program's section names exists on the running kernel, for each way
 * {@code ObjectProgram.attach()} attaches ({@link ProgramSections.AutoAttach}, read from the one section
 * table). BTF targets (fentry, tp_btf, lsm) are checked at load, not here.
 */
final class AttachPoints {
    private static final Path SECURITYFS = Path.of("/sys/kernel/security");

    private AttachPoints() {
    }

    record Verdict(ProgramCompatibility.Attach attach, List<CompatibilityReason> reasons) {
        static Verdict yes() {
            return new Verdict(ProgramCompatibility.Attach.YES, List.of());
        }

        static Verdict no(CompatibilityReason.Kind kind, String subject, String message) {
            return new Verdict(ProgramCompatibility.Attach.NO, List.of(new CompatibilityReason(kind, subject, message)));
        }

        static Verdict needsTarget(String what) {
            return new Verdict(ProgramCompatibility.Attach.NEEDS_TARGET,
                    List.of(new CompatibilityReason(CompatibilityReason.Kind.NEEDS_TARGET, "", what)));
        }
    }

    static Verdict check(ProgramSpec p, FeatureProbes probes, Supplier<KernelConfig> config) {
        ProgramSections.AutoAttach how = p.section().autoAttach();
        String target = p.attachTarget();
        switch (how) {
            case TRACEPOINT:
                return tracepoint(target);
            case RAW_TRACEPOINT:
                return target.isEmpty() ? Verdict.needsTarget("a raw tracepoint name (AttachOptions.withTarget)")
                        : rawTracepoint(target);
            case TP_BTF:
            case FENTRY:
                return Verdict.yes(); // target fixed at load (attach_btf_id), checked there
            case LSM:
                return bpfLsm(config);
            case KPROBE: {
                ProgramSections.KprobeTarget k = ProgramSections.KprobeTarget.parse(target).orElse(null);
                return k == null ? Verdict.needsTarget("a kernel function (AttachOptions.withTarget)")
                        : kprobe(k.function(), probes);
            }
            case KSYSCALL:
                if (target.isEmpty()) {
                    return Verdict.needsTarget("a syscall name (AttachOptions.withTarget)");
                }
                if (!kprobesAvailable(probes)) {
                    return kprobesMissing();
                }
                return kprobe(SyscallWrapper.system().kprobeTarget(target), probes);
            case UPROBE:
                return uprobe(target, probes);
            case XDP:
            case TCX:
            case CGROUP:
                return Verdict.needsTarget(how.targetForm());
            default:
                return Verdict.needsTarget("section " + p.sectionName() + " is not attached automatically; attach "
                        + "with a dev.bpflux.link class (socket, perf event, tc, ...)");
        }
    }

    private static Verdict tracepoint(String target) {
        ProgramSections.TracepointName tp = ProgramSections.TracepointName.parse(target).orElse(null);
        if (tp == null) {
            return Verdict.needsTarget("a tracepoint <category>/<name> (AttachOptions.withTarget)");
        }
        Path root;
        try {
            root = Tracefs.root();
        } catch (BpfException e) {
            return Verdict.no(CompatibilityReason.Kind.MISSING_TRACEPOINT, target, e.getMessage());
        }
        Path id = root.resolve("events").resolve(tp.category()).resolve(tp.name()).resolve("id");
        if (!Files.exists(id)) {
            return Verdict.no(CompatibilityReason.Kind.MISSING_TRACEPOINT, target, "tracepoint " + target
                    + " does not exist on this kernel: " + id + " is missing");
        }
        return Verdict.yes();
    }

    /** A raw tracepoint {@code X} exists where kernel BTF has the typedef {@code btf_trace_X} (every tracepoint has one). */
    private static Verdict rawTracepoint(String name) {
        KernelBtfs btfs = KernelBtfs.system();
        if (!Files.exists(Path.of("/sys/kernel/btf/vmlinux"))) {
            return Verdict.yes(); // no BTF to tell; BPF_RAW_TRACEPOINT_OPEN will say
        }
        String typedef = "btf_trace_" + name;
        if (btfs.vmlinux().btf().findByName(typedef, BtfKind.TYPEDEF).length > 0) {
            return Verdict.yes();
        }
        for (String m : btfs.moduleNames()) {
            TargetBtf t = btfs.module(m);
            for (int id : t.btf().findByName(typedef, BtfKind.TYPEDEF)) {
                if (id >= t.firstOwnTypeId()) {
                    return Verdict.yes();
                }
            }
        }
        return Verdict.no(CompatibilityReason.Kind.MISSING_TRACEPOINT, name, "raw tracepoint " + name
                + " does not exist on this kernel: no typedef " + typedef + " in vmlinux or module BTF");
    }

    /**
     * bpflux attaches kprobes through the kprobe PMU (Linux 4.17, CONFIG_KPROBES), as
     * {@code dev.bpflux.link.KprobeLink} does; the legacy tracefs {@code kprobe_events} is not used.
     */
    static boolean kprobesAvailable(FeatureProbes probes) {
        return probes.kprobePmu();
    }

    private static Verdict kprobesMissing() {
        return Verdict.no(CompatibilityReason.Kind.KPROBES_UNAVAILABLE, "", "no kprobe PMU "
                + "(/sys/bus/event_source/devices/kprobe): this kernel was built without kprobes (CONFIG_KPROBES) or "
                + "is older than 4.17; the program loads but cannot attach. Use fentry/fexit (BTF) or a tracepoint "
                + "where one fits");
    }

    private static Verdict kprobe(String function, FeatureProbes probes) {
        if (!kprobesAvailable(probes)) {
            return kprobesMissing();
        }
        if (!KallsymsReader.system().lookup(Set.of(function)).addresses().containsKey(function)) {
            return Verdict.no(CompatibilityReason.Kind.MISSING_KPROBE_TARGET, function, "kernel function " + function
                    + " is not in kallsyms (renamed, inlined or not built into this kernel)");
        }
        return Verdict.yes();
    }

    private static Verdict uprobe(String target, FeatureProbes probes) {
        if (!probes.uprobePmu()) {
            return Verdict.no(CompatibilityReason.Kind.UPROBES_UNAVAILABLE, "", "no uprobe PMU "
                    + "(/sys/bus/event_source/devices/uprobe): the kernel lacks CONFIG_UPROBE_EVENTS");
        }
        ProgramSections.UprobeTarget u = ProgramSections.UprobeTarget.parse(target).orElse(null);
        if (u == null) {
            return Verdict.needsTarget("a binary and symbol (AttachOptions.withUprobe)");
        }
        Path binary = Path.of(u.binary());
        if (!Files.exists(binary)) {
            return Verdict.no(CompatibilityReason.Kind.MISSING_UPROBE_TARGET, binary.toString(), binary
                    + " does not exist on this machine");
        }
        return Verdict.yes();
    }

    /**
     * BPF LSM programs run only when "bpf" is an active LSM: {@code /sys/kernel/security/lsm} (securityfs,
     * mounted here when missing and we may), else the {@code lsm=} boot parameter, else CONFIG_LSM.
     */
    private static Verdict bpfLsm(Supplier<KernelConfig> config) {
        String active = activeLsms(config);
        if (active == null || List.of(active.split(",")).contains("bpf")) {
            return Verdict.yes(); // unknown: attaching will tell
        }
        return new Verdict(ProgramCompatibility.Attach.YES, List.of(new CompatibilityReason(
                CompatibilityReason.Kind.BPF_LSM_INACTIVE, "", "BPF LSM is not an active LSM (active: " + active
                + "): the program attaches but is never called; boot with lsm=" + active + ",bpf (CONFIG_BPF_LSM "
                + "must be set)")));
    }

    private static String activeLsms(Supplier<KernelConfig> config) {
        Path lsm = SECURITYFS.resolve("lsm");
        if (!Files.exists(lsm) && Files.isDirectory(SECURITYFS)) {
            try {
                SystemCalls.linux().mount("securityfs", SECURITYFS.toString(), "securityfs", 0, null);
            } catch (RuntimeException e) {
                // not root or not built: fall through to the boot parameter and config
            }
        }
        try {
            return Files.readString(lsm).strip();
        } catch (IOException e) {
            // fall through
        }
        try {
            for (String arg : Files.readString(Path.of("/proc/cmdline")).strip().split("\\s+")) {
                if (arg.startsWith("lsm=")) {
                    return arg.substring(4);
                }
            }
        } catch (IOException e) {
            // fall through
        }
        try {
            return config.get().value("CONFIG_LSM").map(v -> v.replace("\"", "")).orElse(null);
        } catch (BpfException e) {
            return null;
        }
    }
}
