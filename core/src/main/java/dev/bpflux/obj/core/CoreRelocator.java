package dev.bpflux.obj.core;

import dev.bpflux.obj.Instructions;
import dev.bpflux.obj.btf.Btf;
import dev.bpflux.obj.btf.BtfExt;

import java.util.List;

/**
 * Applies CO-RE relocations ({@code .BTF.ext} core_relo records) to a program's instructions for a
 * target kernel's BTF. Pure: the local BTF and the target BTFs are given.
 *
 * <p>Candidate lookup for a local type is by essential name (the name without a {@code ___flavor}
 * suffix) and compatible kind, in vmlinux first and, only when vmlinux has none, in the module BTFs;
 * results are cached per local type id, so create one relocator per object and reuse it for its programs.
 */
public final class CoreRelocator {
    /**
     * The helper id a poisoned instruction calls: {@code 0xbad2310} ("bad relo"); no such helper
     * exists, so the verifier rejects the program only if the instruction is reachable
     * ("invalid func unknown#195896080").
     */
    public static final int POISON_HELPER_ID = 0xbad2310;

    private final Btf local;
    private final TargetBtfs targets;

    private CoreRelocator(Btf local, TargetBtfs targets) {
        this.local = local;
        this.targets = targets;
    }

    /** A relocator of an object's BTF {@code local} against {@code targets} (e.g. {@code KernelBtfs}). */
    public static CoreRelocator create(Btf local, TargetBtfs targets) {
        return new CoreRelocator(local, targets);
    }

    /**
     * Relocates {@code program} (a linked program: main function plus appended subprograms) with
     * {@code relocations}, whose instruction indexes are relative to {@code program}.
     *
     * @throws dev.bpflux.BpfObjectException when a record is malformed (bad access string, instruction
     *         that does not match its relocation kind) or candidates disagree (ambiguous relocation)
     */
    public CoreResult relocate(Instructions program, List<BtfExt.CoreRelocation> relocations) {
        throw new dev.bpflux.BpfNotSupportedException("CO-RE relocation", "implementation follows in the next commit");
    }
}
