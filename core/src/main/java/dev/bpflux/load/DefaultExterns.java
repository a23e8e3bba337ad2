package dev.bpflux.load;

/**
 * The built-in {@link ExternSource}: the running kernel's facts (vmlinux and module BTF, kallsyms,
 * the kernel config), from {@code dev.bpflux.obj.extern}.
 */
final class DefaultExterns {
    private DefaultExterns() {
    }

    static ExternSource create(LoadOptions options) {
        return e -> new ExternValue.Unresolved("extern resolution is not available in this build "
                + "(dev.bpflux.obj.extern is missing); pass LoadOptions.withExternSource");
    }
}
