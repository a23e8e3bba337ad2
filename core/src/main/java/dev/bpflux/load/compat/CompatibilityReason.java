package dev.bpflux.load.compat;

import java.util.Objects;

/**
 * One reason a program cannot load or attach on this kernel, or a note about how it will run there.
 *
 * @param kind    what kind of reason (which also says whether it blocks load, attach or neither)
 * @param subject what it is about: an extern, map, helper id, tracepoint, function; "" when the program
 * @param message what is missing, where it was looked for and what to do
 */
public record CompatibilityReason(Kind kind, String subject, String message) {
    public CompatibilityReason {
        Objects.requireNonNull(kind, "kind");
        subject = subject == null ? "" : subject;
        Objects.requireNonNull(message, "message");
    }

    /** What a reason prevents. */
    public enum Effect {
        /** The program cannot be loaded. */
        LOAD,
        /** The program loads but cannot be attached where its section says. */
        ATTACH,
        /** Informative: the program still loads and attaches. */
        NOTE
    }

    /** The kinds of reasons, each with its {@link Effect}. */
    public enum Kind {
        /** A non-weak kfunc is in neither vmlinux nor module BTF (kfuncs: 5.13, module kfuncs 5.18). */
        MISSING_KFUNC(Effect.LOAD),
        /** A non-weak typed or untyped {@code __ksym} variable is not in kernel BTF / kallsyms. */
        MISSING_KSYM(Effect.LOAD),
        /** A typed {@code __ksym} variable resolves in BTF, but the kernel finds its address in kallsyms, which lacks data symbols (no CONFIG_KALLSYMS_ALL). */
        TYPED_KSYM_NEEDS_KALLSYMS_ALL(Effect.LOAD),
        /** A non-weak {@code __kconfig} option is not set in the kernel config. */
        MISSING_KCONFIG(Effect.LOAD),
        /** A non-weak {@code __kconfig} option, and no kernel config was found at all. */
        NO_KERNEL_CONFIG(Effect.LOAD),
        /** kallsyms shows zeroed addresses (kptr_restrict): untyped {@code __ksym}s cannot resolve. */
        RESTRICTED_KALLSYMS(Effect.LOAD),
        /** Another extern failure: incompatible types, ambiguous symbol, unsupported kconfig type. */
        UNRESOLVED_EXTERN(Effect.LOAD),
        /** A weak extern the kernel lacks: it reads as 0 (or its kfunc call is poisoned). */
        WEAK_EXTERN_DEFAULTED(Effect.NOTE),
        /** A map the program uses has a type the kernel cannot create. */
        MAP_TYPE_UNSUPPORTED(Effect.LOAD),
        /** A map the program uses breaks one of the kernel's size limits for its type (creation fails with E2BIG). */
        MAP_SIZE_OVER_LIMIT(Effect.LOAD),
        /** A map the program uses leaves max_entries or its value size (0) for user space to set before load. */
        MAP_SIZE_UNSET(Effect.LOAD),
        /**
         * A program or map type could not be probed: the kernel refused the probe with EPERM and this process
         * lacks CAP_BPF/CAP_SYS_ADMIN. Says nothing about the kernel; without privileges the load fails too.
         */
        PROBE_NEEDS_PRIVILEGE(Effect.LOAD),
        /** The program's type does not exist in this kernel. */
        PROGRAM_TYPE_UNSUPPORTED(Effect.LOAD),
        /** The program's section name is no known convention, so its program type is unknown until set. */
        UNKNOWN_SECTION(Effect.LOAD),
        /** The program calls a helper this kernel lacks (or does not offer to this program type). */
        HELPER_UNSUPPORTED(Effect.LOAD),
        /** The kernel has no BTF ({@code /sys/kernel/btf/vmlinux}) and the program needs it. */
        NO_KERNEL_BTF(Effect.LOAD),
        /** A BTF-attached program's target (fentry function, tp_btf tracepoint, lsm hook) is not in kernel BTF. */
        MISSING_BTF_TARGET(Effect.LOAD),
        /** BPF trampolines (fentry/fexit/fmod_ret/lsm) are not available on this kernel (JIT, ftrace direct calls, policy). */
        TRAMPOLINES_UNAVAILABLE(Effect.LOAD),
        /** The kernel refuses this kind of program at this target (e.g. fmod_ret on a function without error injection). */
        BTF_TARGET_REFUSED(Effect.LOAD),
        /** CO-RE relocation failed outright (not a poisoned record). */
        CORE_FAILED(Effect.LOAD),
        /** A CO-RE record found no match and was poisoned: fatal only if the instruction is reachable. */
        CORE_POISONED(Effect.NOTE),
        /** The tracepoint is not in tracefs. */
        MISSING_TRACEPOINT(Effect.ATTACH),
        /** The kernel was built without kprobes (CONFIG_KPROBES): no kprobe PMU, no kprobe_events. */
        KPROBES_UNAVAILABLE(Effect.ATTACH),
        /** The kprobe's function is not in kallsyms. */
        MISSING_KPROBE_TARGET(Effect.ATTACH),
        /** No uprobe PMU (CONFIG_UPROBE_EVENTS). */
        UPROBES_UNAVAILABLE(Effect.ATTACH),
        /** The uprobe's binary does not exist. */
        MISSING_UPROBE_TARGET(Effect.ATTACH),
        /**
         * BPF LSM is not in the active LSM list ({@code lsm=}, CONFIG_LSM): the kernel loads and attaches lsm
         * programs anyway (neither step checks), but their hooks are never called.
         */
        BPF_LSM_INACTIVE(Effect.NOTE),
        /** Attaching needs input the section cannot give (an interface, cgroup, binary, perf event). */
        NEEDS_TARGET(Effect.NOTE),
        /**
         * Verify mode: the verifier rejected the program's code (the message ends with the log's tail). Analysis
         * does not run the verifier, so this is the one load failure it cannot foresee: a program bug, or a
         * verifier rule that differs between kernels (e.g. return value ranges of LSM programs on 6.12).
         */
        VERIFIER_REJECTED(Effect.LOAD),
        /** Verify mode: loading the program alone failed for another reason (the loader's message). */
        LOAD_FAILED(Effect.LOAD),
        /** Verify mode: attaching the loaded program failed (the attach error's message). */
        ATTACH_FAILED(Effect.ATTACH);

        private final Effect effect;

        Kind(Effect effect) {
            this.effect = effect;
        }

        public Effect effect() {
            return effect;
        }

        /** The JSON name: {@code missing_kfunc}. */
        public String jsonName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public Effect effect() {
        return kind.effect();
    }

    @Override
    public String toString() {
        return kind.jsonName() + (subject.isEmpty() ? "" : " " + subject) + ": " + message;
    }
}
