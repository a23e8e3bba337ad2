package dev.bpflux.samples.cli;

import dev.bpflux.load.ExternSource;
import dev.bpflux.load.LoadOptions;
import dev.bpflux.load.compat.CompatibilityCheck;
import dev.bpflux.load.compat.CompatibilityReason;
import dev.bpflux.load.compat.CompatibilityReport;
import dev.bpflux.load.compat.ProgramCompatibility;
import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.obj.DataSectionSpec;
import dev.bpflux.obj.ExternSpec;
import dev.bpflux.obj.MapSpec;
import dev.bpflux.obj.ProgramSpec;
import dev.bpflux.obj.VariableSpec;
import dev.bpflux.obj.btf.Btf;
import dev.bpflux.obj.btf.CTypeName;
import dev.bpflux.obj.extern.ExternResolution;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code bpflux inspect}: what an object contains and how its externs resolve on this kernel. */
@Command(name = "inspect", description = "Show an object's programs, maps, global variables and externs "
        + "(with how each extern resolves on this kernel).")
final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "OBJ", description = "the .bpf.o file")
    Path object;

    @Option(names = "--json", description = "one JSON object with arrays programs, maps, globals and externs "
            + "(and compatibility with --kernel)")
    boolean json;

    @Option(names = "--kernel", description = "also report, per program, whether it can load and attach on this "
            + "kernel and why not (analysis: nothing of the object is loaded)")
    boolean kernel;

    @Option(names = "--verify", description = "with --kernel: decide by loading each program alone and attaching "
            + "it where its section names the target (needs root)")
    boolean verify;

    @Mixin
    MapSizeOptions sizes = new MapSizeOptions();

    @Mixin
    ProgramTargetOptions targets = new ProgramTargetOptions();

    @Override
    public Integer call() {
        BpfObjectSpec obj = BpfObjectSpec.read(object);
        Map<String, Object> out = describe(obj);
        CompatibilityReport report = null;
        if (kernel || verify) {
            CompatibilityCheck check = CompatibilityCheck.of(obj)
                    .withLoadOptions(targets.applyTo(sizes.applyTo(LoadOptions.defaults())));
            report = verify ? check.verify() : check.analyze();
            out.put("compatibility", compatibility(report));
            Map<String, Object> k = new LinkedHashMap<>();
            k.put("release", report.kernelRelease());
            k.put("verified", report.verified());
            k.put("warnings", report.warnings());
            out.put("kernel", k);
        }
        PrintWriter w = spec.commandLine().getOut();
        if (json) {
            w.println(Json.write(out));
        } else {
            printText(w, obj, out);
            if (report != null) {
                w.println();
                w.println("compatibility with this kernel:");
                w.print(report.toText());
            }
        }
        w.flush();
        return 0;
    }

    static Map<String, Object> describe(BpfObjectSpec obj) {
        Btf btf = obj.btf().orElse(null);
        List<Object> programs = new ArrayList<>();
        for (ProgramSpec p : obj.programs()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", p.name());
            m.put("section", p.sectionName());
            m.put("type", p.type().name().toLowerCase());
            m.put("attach_type", p.expectedAttachType().map(a -> a.name().toLowerCase()).orElse(null));
            m.put("attach_target", p.attachTarget().isEmpty() ? null : p.attachTarget());
            m.put("sleepable", p.sleepable());
            m.put("instructions", p.instructions().size());
            programs.add(m);
        }
        List<Object> maps = new ArrayList<>();
        for (MapSpec s : obj.maps()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.name());
            m.put("type", s.type().name().toLowerCase());
            m.put("key_size", s.keySize());
            m.put("value_size", s.valueSize());
            m.put("max_entries", s.maxEntries());
            m.put("flags", s.flags());
            m.put("pinning", s.pinning().name().toLowerCase());
            if (s.innerMap() != null) {
                m.put("inner_map", s.innerMap().name());
            }
            maps.add(m);
        }
        List<Object> globals = new ArrayList<>();
        for (DataSectionSpec d : obj.dataSections()) {
            for (VariableSpec v : d.variables()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("section", d.name());
                m.put("name", v.name());
                m.put("offset", v.offset());
                m.put("size", v.size());
                m.put("type", btf == null || v.typeId() == 0 ? null : CTypeName.of(btf, v.typeId()));
                m.put("read_only", d.readOnly());
                globals.add(m);
            }
        }
        List<Object> externs = new ArrayList<>();
        Map<ExternSpec, ExternResolution> resolved = obj.externs().isEmpty() ? Map.of()
                : ExternSource.kernel(obj, LoadOptions.defaults()).resolveAll(obj.externs());
        for (ExternSpec e : obj.externs()) {
            externs.add(extern(btf, e, resolved.get(e)));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("object", obj.name());
        out.put("license", obj.license());
        out.put("programs", programs);
        out.put("maps", maps);
        out.put("globals", globals);
        out.put("externs", externs);
        return out;
    }

    /** The report as JSON: one entry per program with load, attach and typed reasons. */
    static List<Object> compatibility(CompatibilityReport report) {
        List<Object> programs = new ArrayList<>();
        for (ProgramCompatibility p : report.programs()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("program", p.program());
            m.put("section", p.section());
            m.put("load", p.loads());
            m.put("attach", p.attach().text());
            List<Object> reasons = new ArrayList<>();
            for (CompatibilityReason r : p.reasons()) {
                Map<String, Object> rm = new LinkedHashMap<>();
                rm.put("kind", r.kind().jsonName());
                rm.put("effect", r.effect().name().toLowerCase());
                rm.put("subject", r.subject().isEmpty() ? null : r.subject());
                rm.put("message", r.message());
                reasons.add(rm);
            }
            m.put("reasons", reasons);
            programs.add(m);
        }
        return programs;
    }

    static Map<String, Object> extern(Btf btf, ExternSpec e, ExternResolution r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", e.name());
        m.put("kind", switch (e.kind()) {
            case KCONFIG -> "kconfig";
            case KSYM_VARIABLE -> "ksym_var";
            case KSYM_UNTYPED -> "ksym_untyped";
            case KFUNC -> "kfunc";
        });
        m.put("weak", e.weak());
        if (r instanceof ExternResolution.KconfigValue) {
            m.put("resolved", true);
            m.put("value", kconfigValue(btf, e, ((ExternResolution.KconfigValue) r).bytes()));
        } else if (r instanceof ExternResolution.KsymVariable) {
            ExternResolution.KsymVariable v = (ExternResolution.KsymVariable) r;
            m.put("resolved", true);
            m.put("btf_id", v.btfId());
            m.put("module", v.moduleName());
        } else if (r instanceof ExternResolution.Kfunc) {
            ExternResolution.Kfunc v = (ExternResolution.Kfunc) r;
            m.put("resolved", true);
            m.put("btf_id", v.btfId());
            m.put("module", v.moduleName());
        } else if (r instanceof ExternResolution.KsymAddress) {
            m.put("resolved", true);
            m.put("address", "0x" + Long.toHexString(((ExternResolution.KsymAddress) r).address()));
        } else if (r instanceof ExternResolution.WeakMissing) {
            m.put("resolved", false);
            m.put("message", "weak and missing, reads as 0: " + ((ExternResolution.WeakMissing) r).reason());
        } else if (r instanceof ExternResolution.Unresolved) {
            m.put("resolved", false);
            m.put("message", ((ExternResolution.Unresolved) r).message());
        } else {
            m.put("resolved", false);
            m.put("message", "unresolved: resolver not available");
        }
        return m;
    }

    /** A kconfig value as the program sees it: a string for char arrays and chars, else a number. */
    static Object kconfigValue(Btf btf, ExternSpec e, byte[] bytes) {
        String type = btf == null ? "" : CTypeName.of(btf, e.typeId());
        if (type.startsWith("char[") || type.equals("char")) {
            int n = 0;
            while (n < bytes.length && bytes[n] != 0) {
                n++;
            }
            return new String(bytes, 0, n, StandardCharsets.UTF_8);
        }
        ByteBuffer b = ByteBuffer.wrap(java.util.Arrays.copyOf(bytes, 8)).order(ByteOrder.LITTLE_ENDIAN);
        long v = b.getLong();
        boolean unsigned = type.startsWith("u") || type.startsWith("__u") || type.startsWith("unsigned")
                || type.equals("bool") || type.equals("_Bool") || type.startsWith("enum");
        int size = Math.min(8, bytes.length);
        if (unsigned) {
            return size == 8 && v < 0 ? new java.math.BigInteger(Long.toUnsignedString(v)) : (Object) v;
        }
        int shift = 64 - 8 * Math.max(1, size);
        return (v << shift) >> shift;
    }

    private static void printText(PrintWriter w, BpfObjectSpec obj, Map<String, Object> out) {
        w.println(obj.name() + " (license \"" + obj.license() + "\")");
        w.println();
        w.println("programs:");
        for (Object o : (List<?>) out.get("programs")) {
            Map<?, ?> m = (Map<?, ?>) o;
            w.printf("  %-28s %-32s %s%s%n", m.get("name"), m.get("section"), m.get("type"),
                    m.get("attach_type") == null ? "" : " / " + m.get("attach_type"));
        }
        w.println();
        w.println("maps:");
        for (Object o : (List<?>) out.get("maps")) {
            Map<?, ?> m = (Map<?, ?>) o;
            w.printf("  %-20s %-16s key %-4s value %-6s max_entries %-8s flags 0x%x%s%n", m.get("name"), m.get("type"),
                    m.get("key_size"), m.get("value_size"), m.get("max_entries"), (Integer) m.get("flags"),
                    "none".equals(m.get("pinning")) ? "" : " pinned by name");
        }
        w.println();
        w.println("globals:");
        for (Object o : (List<?>) out.get("globals")) {
            Map<?, ?> m = (Map<?, ?>) o;
            w.printf("  %-14s %-28s offset %-5s size %-5s %s%n", m.get("section"), m.get("name"), m.get("offset"),
                    m.get("size"), m.get("type") == null ? "" : m.get("type"));
        }
        w.println();
        w.println("externs:");
        for (Object o : (List<?>) out.get("externs")) {
            Map<?, ?> m = (Map<?, ?>) o;
            String how;
            if (Boolean.TRUE.equals(m.get("resolved"))) {
                how = m.containsKey("value") ? "= " + m.get("value") : m.containsKey("address") ? "at "
                        + m.get("address") : "btf id " + m.get("btf_id") + (m.get("module") == null ? " (vmlinux)"
                        : " (module " + m.get("module") + ")");
            } else {
                how = "unresolved: " + m.get("message");
            }
            w.printf("  %-30s %-13s %s%s%n", m.get("name"), m.get("kind"), Boolean.TRUE.equals(m.get("weak"))
                    ? "weak " : "", how);
        }
    }
}
