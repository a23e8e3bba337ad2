package dev.bpflux.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.BpfException;
import dev.bpflux.BpfNotSupportedException;
import dev.bpflux.BpfPermissionException;
import dev.bpflux.BpfSyscallException;
import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.obj.DataSectionSpec;
import dev.bpflux.obj.ExternSpec;
import dev.bpflux.obj.FunctionSpec;
import dev.bpflux.obj.Instructions;
import dev.bpflux.obj.ProgramSpec;
import dev.bpflux.obj.Relocation;
import dev.bpflux.obj.VariableSpec;
import dev.bpflux.obj.btf.Btf;
import dev.bpflux.obj.btf.BtfExt;
import dev.bpflux.obj.btf.BtfKind;
import dev.bpflux.obj.btf.BtfType;
import dev.bpflux.sys.Errno;
import dev.bpflux.sys.KernelObjectName;
import dev.bpflux.sys.SyscallErrors;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The loader's pure parts, without the kernel: naming, linking, BTF fix-ups, kconfig layout. */
class ObjectLoaderUnitTest {
    static final Path CORPUS = BpfObjectTest.CORPUS;

    @Test
    void internalMapNamesFollowLibbpf() {
        // Expected names as the libbpf oracle created them for the corpus objects.
        assertEquals("globals", ObjectLoader.objectName("core/src/test/bpf/load/globals.bpf.o"));
        assertEquals("globals.rodata", ObjectLoader.internalMapName("globals", ".rodata"));
        assertEquals("globals.bss", ObjectLoader.internalMapName("globals", ".bss"));
        assertEquals("attach_t.rodata", ObjectLoader.internalMapName("attach_tracepoints", ".rodata"));
        assertEquals("attach_t.bss", ObjectLoader.internalMapName("attach_tracepoints", ".bss"));
        assertEquals("kconfig.kconfig", ObjectLoader.internalMapName("kconfig", ".kconfig"));
        assertEquals("core_rel.rodata", ObjectLoader.internalMapName("core_relocs", ".rodata"));
        assertEquals(".data.foo", ObjectLoader.internalMapName("globals", ".data.foo"));
        assertEquals(".rodata.str1.1", ObjectLoader.internalMapName("globals", ".rodata.str1.1"));
    }

    @Test
    void programLoadErrorsNameTheProgramInFullNotAsTheKernelTruncatesIt() {
        // libbpf-tools' biosnoop: the kernel keeps "blk_account_io_" of "blk_account_io_start"; an EPERM
        // from a host that forbids trampolines named only the truncated name (LibbpfToolsCorpusTest).
        String kernel = KernelObjectName.sanitize("blk_account_io_start");
        assertEquals("blk_account_io_", kernel);
        BpfNotSupportedException trampolines = new BpfNotSupportedException("BPF trampolines",
                "the kernel refused BPF_PROG_LOAD of BPF_PROG_TYPE_TRACING program '" + kernel + "' with EPERM");
        BpfException e = ObjectLoader.namedInFull(trampolines, kernel, "blk_account_io_start");
        assertInstanceOf(BpfNotSupportedException.class, e);
        assertEquals("BPF trampolines", ((BpfNotSupportedException) e).feature());
        assertEquals("BPF trampolines is not supported by this kernel: the kernel refused BPF_PROG_LOAD of "
                + "BPF_PROG_TYPE_TRACING program 'blk_account_io_start' with EPERM", e.getMessage());

        BpfSyscallException plain = SyscallErrors.plain("BPF_PROG_LOAD of BPF_PROG_TYPE_KPROBE program '" + kernel
                + "'", Errno.EINVAL, "the kernel refused the load attributes");
        e = ObjectLoader.namedInFull(plain, kernel, "blk_account_io_start");
        assertEquals(BpfSyscallException.class, e.getClass());
        assertEquals(Errno.EINVAL, ((BpfSyscallException) e).errno());
        assertEquals("BPF_PROG_LOAD of BPF_PROG_TYPE_KPROBE program 'blk_account_io_start' failed with EINVAL (22): "
                + Errno.describe(Errno.EINVAL) + "; the kernel refused the load attributes", e.getMessage());

        BpfSyscallException denied = SyscallErrors.exception("BPF_PROG_LOAD of BPF_PROG_TYPE_KPROBE program '"
                + kernel + "'", Errno.EPERM, null);
        e = ObjectLoader.namedInFull(denied, kernel, "blk_account_io_start");
        assertInstanceOf(BpfPermissionException.class, e);
        assertTrue(e.getMessage().startsWith("BPF_PROG_LOAD of BPF_PROG_TYPE_KPROBE program 'blk_account_io_start' "
                + "failed with EPERM (1)"), e.getMessage());
        assertTrue(e.getMessage().endsWith("; " + SyscallErrors.permissionHint()), e.getMessage());

        // A name the kernel keeps whole: the exception itself.
        assertSame(trampolines, ObjectLoader.namedInFull(trampolines, "mutex_lock", "mutex_lock"));
    }

    @Test
    void linkingAppendsEachCalledFunctionOnceAndPointsCallsAtThem() {
        BpfObjectSpec spec = BpfObjectSpec.read(CORPUS.resolve("subprogs.bpf.o"));
        ProgramSpec prog = spec.program("prog_tp").orElseThrow();
        ProgramLinker.LinkedProgram lp = new ProgramLinker(spec).link(prog);
        Set<String> names = new HashSet<>();
        int total = 0;
        for (ProgramLinker.Placed p : lp.functions()) {
            assertTrue(names.add(p.function().name()), p.function().name() + " appended twice");
            assertEquals(total, p.start());
            total += p.function().size();
        }
        assertEquals(total, lp.insns().length);
        assertEquals("prog_tp", lp.functions().get(0).function().name());
        assertEquals("shared_compute", lp.functions().get(1).function().name(), "the first call is appended first");
        assertTrue(names.containsAll(Set.of("global_add", "static_mul", "sum_to", "add_index")), names.toString());
        Set<Integer> starts = new HashSet<>();
        lp.functions().forEach(p -> starts.add(p.start()));
        for (int i = 0; i < lp.insns().length; i++) {
            long insn = lp.insns()[i];
            boolean call = Instructions.opcode(insn) == Instructions.OP_CALL && Instructions.src(insn) == Instructions.PSEUDO_CALL;
            boolean func = Instructions.opcode(insn) == Instructions.OP_LD_IMM64
                    && Instructions.src(insn) == Instructions.PSEUDO_FUNC;
            if (call || func) {
                assertTrue(starts.contains(i + 1 + Instructions.imm(insn)), "instruction " + i + " targets a function start");
            }
            if (Instructions.opcode(insn) == Instructions.OP_LD_IMM64) {
                i++;
            }
        }
        // One func_info per function, at its start, in order; no subprogram relocation left over.
        assertEquals(lp.functions().size(), lp.funcInfos().size());
        for (int k = 0; k < lp.funcInfos().size(); k++) {
            assertEquals(lp.functions().get(k).start(), lp.funcInfos().get(k).insnIndex());
        }
        assertFalse(lp.relocations().stream().anyMatch(r -> r instanceof Relocation.SubprogramCall));
        for (BtfExt.LineInfo l : lp.lineInfos()) {
            assertTrue(l.insnIndex() >= 0 && l.insnIndex() < lp.insns().length);
        }
    }

    @Test
    void btfFixUpsGiveDatasecsTheirSizesAndOffsets() {
        BpfObjectSpec spec = BpfObjectSpec.read(CORPUS.resolve("globals.bpf.o"));
        Btf original = spec.btf().orElseThrow();
        Btf fixed = Btf.parse(ObjectBtfFixer.fix(spec, original, ObjectBtfFixer.BtfFeatures.ALL), "fixed");
        assertEquals(original.nextTypeId(), fixed.nextTypeId(), "ids unchanged");
        for (DataSectionSpec d : spec.dataSections()) {
            if (d.btfTypeId() == 0) {
                continue;
            }
            BtfType.Datasec ds = fixed.type(d.btfTypeId(), BtfType.Datasec.class);
            assertEquals(d.size(), ds.size(), d.name());
            for (BtfType.VarSecInfo v : ds.vars()) {
                VariableSpec var = d.variable(fixed.typeName(v.type())).orElseThrow();
                assertEquals(var.offset(), v.offset(), d.name() + " " + var.name());
            }
        }
        for (int id = 1; id < fixed.nextTypeId(); id++) {
            if (fixed.kind(id) == BtfKind.DATASEC) {
                assertTrue(fixed.type(id, BtfType.Datasec.class).size() > 0, fixed.typeName(id) + " has a size");
            }
        }
    }

    @Test
    void sanitizingForAnOldKernelRemovesNewKindsKeepingIds() {
        BpfObjectSpec spec = BpfObjectSpec.read(CORPUS.resolve("kptr.bpf.o"));
        Btf original = spec.btf().orElseThrow();
        ObjectBtfFixer.BtfFeatures none = new ObjectBtfFixer.BtfFeatures(true, false, true, false, false, false, false);
        Btf old = Btf.parse(ObjectBtfFixer.fix(spec, original, none), "old");
        // Ids are kept; only the .ksyms stand-in VAR for kfuncs (dummy_ksym) is appended.
        assertEquals(original.nextTypeId() + 1, old.nextTypeId());
        assertEquals("dummy_ksym", old.typeName(original.nextTypeId()));
        for (int id = 1; id < old.nextTypeId(); id++) {
            BtfKind k = old.kind(id);
            assertFalse(k == BtfKind.TYPE_TAG || k == BtfKind.DECL_TAG || k == BtfKind.FLOAT || k == BtfKind.ENUM64,
                    "[" + id + "] " + k);
            if (k == BtfKind.FUNC) {
                assertEquals(BtfType.FuncLinkage.STATIC, old.type(id, BtfType.Func.class).linkage());
            }
        }
        boolean hadTypeTag = false;
        for (int id = 1; id < original.nextTypeId(); id++) {
            hadTypeTag |= original.kind(id) == BtfKind.TYPE_TAG;
        }
        assertTrue(hadTypeTag, "kptr.bpf.o carries a kptr type tag");
    }

    @Test
    void kconfigLayoutMatchesLibbpfOrder() {
        BpfObjectSpec spec = BpfObjectSpec.read(CORPUS.resolve("kconfig.bpf.o"));
        KconfigLayout layout = KconfigLayout.of(spec);
        // 8-byte aligned first (by size, then name), down to 1-byte values; no overlap, each aligned.
        int end = 0;
        int lastAlign = Integer.MAX_VALUE;
        Btf btf = spec.btf().orElseThrow();
        for (String name : layout.offsets().keySet()) {
            ExternSpec e = spec.extern(name).orElseThrow();
            int off = layout.offsets().get(name);
            int align = btf.alignOf(e.typeId());
            assertTrue(align <= lastAlign, name + " sorted by decreasing alignment");
            assertEquals(0, off % align, name + " aligned");
            assertTrue(off >= end, name + " does not overlap");
            end = off + e.size();
            lastAlign = align;
        }
        assertEquals(end, layout.size());
        assertEquals("CONFIG_DEFAULT_MMAP_MIN_ADDR", layout.offsets().keySet().iterator().next());
    }

    @Test
    void optionsAreImmutableAndVariablesAreCheckedBeforeTheKernelIsTouched() {
        LoadOptions base = LoadOptions.defaults();
        LoadOptions a = base.withVariable("cfg_multiplier", 3).withStringVariable("cfg_name", "bpflux");
        assertTrue(base.variables().isEmpty());
        assertEquals(2, a.variables().size());
        assertEquals(new dev.bpflux.obj.VariableValue.CharArray("bpflux"), a.variables().get("cfg_name"));
        BpfObjectSpec spec = BpfObjectSpec.read(CORPUS.resolve("globals.bpf.o"));
        new ObjectLoader(spec, a); // fits: no exception
        // char[16] holds 15 characters and the NUL.
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(dev.bpflux.BpfException.class,
                () -> new ObjectLoader(spec, base.withStringVariable("cfg_name", "0123456789abcdef")));
        assertTrue(e.getMessage().contains("(char[16], in .rodata)"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(dev.bpflux.BpfException.class,
                () -> new ObjectLoader(spec, base.withVariable("cfg_magic", new byte[4])));
        assertTrue(e.getMessage().contains("it is 8 bytes, the value 4"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(dev.bpflux.BpfException.class,
                () -> new ObjectLoader(spec, base.withVariable("no_such_global", 1)));
        assertTrue(e.getMessage().contains("globals: [target_tgid"), e.getMessage());
        // An int goes into a u64 as C would widen it.
        new ObjectLoader(spec, base.withVariable("cfg_magic", 1));
    }

    @Test
    void functionsAreFoundForEveryCall() {
        BpfObjectSpec spec = BpfObjectSpec.read(CORPUS.resolve("subprogs.bpf.o"));
        for (FunctionSpec f : spec.subprograms()) {
            for (Relocation r : f.relocations()) {
                if (r instanceof Relocation.SubprogramCall c) {
                    assertTrue(spec.function(c.targetSection(), c.targetInsnIndex()).isPresent());
                }
            }
        }
    }
}
