package dev.bpflux.load;

import dev.bpflux.obj.ExternSpec;

/**
 * Where the loader learns what an object's {@code __kconfig} and {@code __ksym} externs are on the
 * target kernel. The loader asks only for the externs a program being loaded references, once per
 * extern, and applies the answer to the instructions (see {@link ExternValue}).
 *
 * <p>The default source is the kernel's own facts (vmlinux and module BTF, kallsyms, the kernel
 * config); a test or a cross-loading tool can plug in another.
 */
@FunctionalInterface
public interface ExternSource {
    /** What {@code extern} is on this kernel. Never null; a missing non-weak extern is {@link ExternValue.Unresolved}. */
    ExternValue resolve(ExternSpec extern);
}
