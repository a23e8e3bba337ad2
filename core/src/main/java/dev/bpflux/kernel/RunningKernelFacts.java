package dev.bpflux.kernel;

import dev.bpflux.obj.core.TargetBtfs;
import dev.bpflux.obj.extern.KallsymsLookup;
import dev.bpflux.obj.extern.KernelConfig;
import dev.bpflux.obj.extern.KernelFacts;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@link KernelFacts} of the running kernel: BTF from {@link KernelBtfs}, the config from a
 * {@link KernelConfigSource}, symbols from {@link KallsymsReader}, the version from {@link KernelVersion},
 * {@link BpfCookieSupport} and {@link SyscallWrapper}. Each fact is read on first use and cached here, so
 * one instance per load (or per process, for many loads) reads each source at most once; kallsyms is
 * re-read only for names not looked up before.
 */
public final class RunningKernelFacts implements KernelFacts {
    private final TargetBtfs btfs;
    private final KernelConfigSource configSource;
    private final KallsymsReader kallsyms;
    private volatile KernelConfig config;
    private final Map<String, List<Long>> symbols = new HashMap<>();
    private final Set<String> looked = new java.util.HashSet<>();
    private KallsymsLookup lastLookup;
    /** A background scan started by {@link #prefetchKallsyms}, with the names it looks for. */
    private java.util.concurrent.CompletableFuture<KallsymsLookup> pending;
    private Set<String> pendingNames = Set.of();
    private volatile Boolean syscallWrapper;

    private RunningKernelFacts(TargetBtfs btfs, KernelConfigSource configSource, KallsymsReader kallsyms) {
        this.btfs = btfs;
        this.configSource = configSource;
        this.kallsyms = kallsyms;
    }

    /** The running kernel with its own config ({@link KernelConfigSource#system()}). */
    public static RunningKernelFacts create() {
        return create(KernelConfigSource.system());
    }

    /** The running kernel with the config from {@code config} (a user file or values). */
    public static RunningKernelFacts create(KernelConfigSource config) {
        return new RunningKernelFacts(KernelBtfs.system(), config, KallsymsReader.system());
    }

    /** Facts from the given readers (tests, alternative files). */
    public static RunningKernelFacts of(TargetBtfs btfs, KernelConfigSource config, KallsymsReader kallsyms) {
        return new RunningKernelFacts(btfs, config, kallsyms);
    }

    @Override
    public TargetBtfs btfs() {
        return btfs;
    }

    @Override
    public KernelConfig kernelConfig() {
        KernelConfig c = config;
        if (c == null) {
            synchronized (this) {
                c = config;
                if (c == null) {
                    c = configSource.read();
                    config = c;
                }
            }
        }
        return c;
    }

    /** Starts the kallsyms scan for the names not yet known on a daemon thread. */
    @Override
    public synchronized void prefetchKallsyms(Set<String> names) {
        Set<String> missing = new LinkedHashSet<>(names);
        missing.removeAll(looked);
        missing.removeAll(pendingNames);
        if (missing.isEmpty() || pending != null) {
            return;
        }
        pendingNames = Set.copyOf(missing);
        pending = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.CompletableFuture<KallsymsLookup> f = pending;
        Thread t = new Thread(() -> {
            try {
                f.complete(kallsyms.lookup(missing));
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "bpflux-kallsyms");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public synchronized KallsymsLookup kallsyms(Set<String> names) {
        if (pending != null) {
            KallsymsLookup l;
            Set<String> scanned = pendingNames;
            try {
                l = pending.join();
            } catch (java.util.concurrent.CompletionException e) {
                throw e.getCause() instanceof RuntimeException ? (RuntimeException) e.getCause()
                        : new dev.bpflux.BpfException("reading kallsyms failed: " + e.getCause(), e.getCause());
            } finally {
                pending = null;
                pendingNames = Set.of();
            }
            looked.addAll(scanned);
            symbols.putAll(l.addresses());
            lastLookup = l;
        }
        Set<String> missing = new LinkedHashSet<>(names);
        missing.removeAll(looked);
        if (!missing.isEmpty() || lastLookup == null) {
            KallsymsLookup l = kallsyms.lookup(missing);
            symbols.putAll(l.addresses());
            looked.addAll(missing);
            lastLookup = l;
        }
        Map<String, List<Long>> out = new HashMap<>();
        for (String n : names) {
            List<Long> a = symbols.get(n);
            if (a != null) {
                out.put(n, a);
            }
        }
        return new KallsymsLookup(out, lastLookup.zeroed(), lastLookup.source(), lastLookup.restriction());
    }

    @Override
    public int kernelVersionCode() {
        return KernelVersion.current().code();
    }

    @Override
    public boolean hasBpfCookie() {
        return BpfCookieSupport.system().supported();
    }

    @Override
    public boolean hasSyscallWrapper() {
        Boolean w = syscallWrapper;
        if (w == null) {
            w = SyscallWrapper.detect(System.getProperty("os.arch"), btfs, config == null ? null : this::kernelConfig,
                    kallsyms).wrapped();
            syscallWrapper = w;
        }
        return w;
    }

    @Override
    public boolean kallsymsHasDataSymbols() {
        KernelConfig c = kernelConfig();
        if (c.available() && c.source() != null && !c.source().startsWith("values supplied")) {
            return c.value("CONFIG_KALLSYMS_ALL").map("y"::equals).orElse(false);
        }
        return kallsyms.hasDataSymbols();
    }
}
