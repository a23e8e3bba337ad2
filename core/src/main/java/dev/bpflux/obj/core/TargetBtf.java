package dev.bpflux.obj.core;

import dev.bpflux.obj.btf.Btf;

/**
 * One kernel BTF a relocation or a {@code __ksym} can resolve against: vmlinux's, or a module's split
 * BTF (whose ids continue vmlinux's).
 *
 * @param btf              the BTF (for a module: split on top of vmlinux)
 * @param moduleName       the module's name, {@code null} for vmlinux
 * @param btfObjectId      the kernel's BTF object id of a module BTF (what BPF_BTF_GET_FD_BY_ID opens,
 *                         so the loader can put the module's BTF fd into {@code fd_array}); 0 for vmlinux
 *                         and when unknown (e.g. a BTF read from a file for a test)
 */
public record TargetBtf(Btf btf, String moduleName, int btfObjectId) {
    /** vmlinux's BTF. */
    public static TargetBtf vmlinux(Btf btf) {
        return new TargetBtf(btf, null, 0);
    }

    public boolean isModule() {
        return moduleName != null;
    }

    /** "vmlinux" or the module name, for messages. */
    public String label() {
        return moduleName == null ? "vmlinux" : moduleName;
    }

    /**
     * The first type id that belongs to this BTF itself: 1 for vmlinux, the first split id for a
     * module (lookups in a module search only its own types, as the kernel's base types were already
     * searched in vmlinux).
     */
    public int firstOwnTypeId() {
        return btf.firstTypeId();
    }
}
