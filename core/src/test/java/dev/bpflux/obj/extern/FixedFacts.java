package dev.bpflux.obj.extern;

import dev.bpflux.obj.core.TargetBtfs;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Kernel facts for unit tests: real BTF and config/kallsyms text built by the test; records which
 * facts were asked for (extern resolution must not read what it does not need).
 */
final class FixedFacts implements KernelFacts {
    final List<String> asked = new ArrayList<>();
    private final Supplier<TargetBtfs> btfs;
    private final Supplier<KernelConfig> config;
    private final String kallsymsText;
    int versionCode = 0x06122c;
    boolean cookie = true;
    boolean wrapper = true;
    boolean dataSymbols = false;

    FixedFacts(Supplier<TargetBtfs> btfs, Supplier<KernelConfig> config, String kallsymsText) {
        this.btfs = btfs;
        this.config = config;
        this.kallsymsText = kallsymsText;
    }

    @Override
    public TargetBtfs btfs() {
        asked.add("btfs");
        return btfs.get();
    }

    @Override
    public KernelConfig kernelConfig() {
        asked.add("config");
        return config.get();
    }

    @Override
    public KallsymsLookup kallsyms(Set<String> names) {
        asked.add("kallsyms");
        return new KallsymsScanner(names).accept(kallsymsText).finish("test kallsyms");
    }

    @Override
    public int kernelVersionCode() {
        asked.add("version");
        return versionCode;
    }

    @Override
    public boolean hasBpfCookie() {
        asked.add("cookie");
        return cookie;
    }

    @Override
    public boolean hasSyscallWrapper() {
        asked.add("wrapper");
        return wrapper;
    }

    @Override
    public boolean kallsymsHasDataSymbols() {
        asked.add("dataSymbols");
        return dataSymbols;
    }
}
