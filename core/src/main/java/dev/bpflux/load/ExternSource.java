package dev.bpflux.load;

import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.obj.ExternSpec;
import dev.bpflux.obj.extern.ExternResolution;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the loader learns what an object's {@code __kconfig} and {@code __ksym} externs are on the
 * target kernel. The loader asks only about the externs the programs being loaded reference, all at
 * once, and applies the answers to the instructions (see {@link ExternResolution} for how).
 *
 * <p>The default source is {@link dev.bpflux.obj.extern.ExternResolver} over the running kernel's
 * facts (vmlinux and module BTF, kallsyms, the kernel config, which {@link LoadOptions#withKernelConfig}
 * can replace); a test or a cross-loading tool can plug in another.
 */
@FunctionalInterface
public interface ExternSource {
    /**
     * The running kernel's answers for {@code spec}'s externs, with {@code options}' kernel config (what
     * {@link BpfObject#load} uses when no source is set). Nothing is read until asked.
     */
    static ExternSource kernel(BpfObjectSpec spec, LoadOptions options) {
        return DefaultExterns.create(spec, options);
    }

    /** What {@code extern} is on this kernel. Never null; a missing non-weak extern is {@link ExternResolution.Unresolved}. */
    ExternResolution resolve(ExternSpec extern);

    /** Resolves several at once (the default source reads kallsyms and the config once for all). */
    default Map<ExternSpec, ExternResolution> resolveAll(List<ExternSpec> externs) {
        Map<ExternSpec, ExternResolution> out = new LinkedHashMap<>();
        for (ExternSpec e : externs) {
            out.put(e, resolve(e));
        }
        return out;
    }
}
