package dev.bpflux.load;

import dev.bpflux.kernel.KernelConfigSource;
import dev.bpflux.kernel.RunningKernelFacts;
import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.obj.ExternSpec;
import dev.bpflux.obj.btf.Btf;
import dev.bpflux.obj.extern.ExternResolution;
import dev.bpflux.obj.extern.ExternResolver;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The built-in {@link ExternSource}: {@link ExternResolver} over the running kernel's facts. The
 * facts of the default configuration are shared by the whole JVM (they read the kernel lazily and
 * cache); a user config file or values get facts of their own.
 */
final class DefaultExterns implements ExternSource {
    private static final System.Logger LOG = System.getLogger(DefaultExterns.class.getName());
    private static volatile RunningKernelFacts shared;

    private final ExternResolver resolver;
    private final Btf localBtf;

    private DefaultExterns(ExternResolver resolver, Btf localBtf) {
        this.resolver = resolver;
        this.localBtf = localBtf;
    }

    static DefaultExterns create(BpfObjectSpec spec, LoadOptions options) {
        return new DefaultExterns(ExternResolver.create(facts(options)), spec.btf().orElse(null));
    }

    static RunningKernelFacts facts(LoadOptions options) {
        if (options.kernelConfig().isEmpty() && options.kernelConfigValues().isEmpty()) {
            RunningKernelFacts f = shared;
            if (f == null) {
                f = RunningKernelFacts.create();
                shared = f;
            }
            return f;
        }
        KernelConfigSource config = KernelConfigSource.system();
        if (options.kernelConfig().isPresent()) {
            config = config.withFile(options.kernelConfig().get());
        }
        if (!options.kernelConfigValues().isEmpty()) {
            config = config.withValues(options.kernelConfigValues());
        }
        return RunningKernelFacts.create(config);
    }

    @Override
    public ExternResolution resolve(ExternSpec extern) {
        return resolver.resolve(extern, localBtf);
    }

    @Override
    public Map<ExternSpec, ExternResolution> resolveAll(List<ExternSpec> externs) {
        dev.bpflux.obj.extern.ExternResolutions r = resolver.resolveAll(externs, localBtf);
        r.warnings().forEach(w -> LOG.log(System.Logger.Level.WARNING, w));
        return r.resolutions();
    }

    /** Why a verifier failure happened, when it is a kernel limitation the resolver knows (typed ksyms without KALLSYMS_ALL). */
    Optional<String> explainLoadFailure(String verifierLog) {
        return resolver.explainLoadFailure(verifierLog);
    }
}
