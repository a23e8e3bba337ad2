package dev.bpflux.obj.extern;

import dev.bpflux.obj.ExternSpec;
import dev.bpflux.obj.Instructions;
import dev.bpflux.obj.btf.Btf;
import dev.bpflux.obj.btf.BtfExt;
import dev.bpflux.obj.btf.BtfType;
import dev.bpflux.obj.btf.BtfWriter;
import dev.bpflux.obj.btf.CoreReloKind;
import dev.bpflux.obj.core.CoreOutcome;
import dev.bpflux.obj.core.CoreRelocator;
import dev.bpflux.obj.core.CoreResult;
import dev.bpflux.obj.core.TargetBtf;
import dev.bpflux.obj.core.TargetBtfs;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Lookups that fall through from vmlinux to a module's split BTF (this host loads no modules, the
 * matrix guests neither): a small "vmlinux" and a module on top of it, built with {@link BtfWriter}.
 */
class ModuleBtfResolutionTest {
    static final int MODULE_OBJ_ID = 77;

    /** An empty BTF blob: base (with the mandatory empty string) or split. */
    static byte[] empty(boolean base) {
        ByteBuffer b = ByteBuffer.allocate(24 + (base ? 1 : 0)).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) 0xeB9F).put((byte) 1).put((byte) 0).putInt(24).putInt(0).putInt(0).putInt(0)
                .putInt(base ? 1 : 0);
        return b.array();
    }

    static Btf vmlinux() {
        BtfWriter w = BtfWriter.of(Btf.parse(empty(true), "vmlinux"));
        w.add(new BtfType.Int(-1, "int", 4, BtfType.Int.SIGNED, 0, 32)); // [1]
        w.add(new BtfType.Struct(-1, "task_struct", 8, false, List.of(new BtfType.Member("pid", 1, 0, 0)))); // [2]
        return Btf.parse(w.write(), "vmlinux");
    }

    static Btf module(Btf vmlinux) {
        BtfWriter w = BtfWriter.of(Btf.parseSplit(empty(false), vmlinux, "bpflux_mod"));
        int s = w.add(new BtfType.Struct(-1, "bpflux_mod_struct", 8, false,
                List.of(new BtfType.Member("pad", 1, 0, 0), new BtfType.Member("a", 1, 32, 0))));
        int proto = w.add(new BtfType.FuncProto(-1, "", 1, List.of(new BtfType.Param("x", 1))));
        w.add(new BtfType.Func(-1, "bpflux_mod_kfunc", proto, BtfType.FuncLinkage.GLOBAL));
        w.add(new BtfType.Var(-1, "bpflux_mod_var", 1, BtfType.VarLinkage.GLOBAL_ALLOCATED));
        assertEquals(3, s);
        return Btf.parseSplit(w.write(), vmlinux, "bpflux_mod");
    }

    /** The object's own BTF: int, the module struct as the program sees it, a kfunc prototype. */
    static Btf local() {
        BtfWriter w = BtfWriter.of(Btf.parse(empty(true), "obj"));
        w.add(new BtfType.Int(-1, "int", 4, BtfType.Int.SIGNED, 0, 32)); // [1]
        w.add(new BtfType.Struct(-1, "bpflux_mod_struct___local", 4, false,
                List.of(new BtfType.Member("a", 1, 0, 0)))); // [2]
        w.add(new BtfType.FuncProto(-1, "", 1, List.of(new BtfType.Param("", 1)))); // [3]
        w.add(new BtfType.Const(-1, "", 1)); // [4]
        return Btf.parse(w.write(), "obj");
    }

    static TargetBtfs targets() {
        Btf v = vmlinux();
        return TargetBtfs.of(TargetBtf.vmlinux(v), List.of(new TargetBtf(module(v), "bpflux_mod", MODULE_OBJ_ID)));
    }

    static FixedFacts facts(TargetBtfs t) {
        return new FixedFacts(() -> t, () -> {
            throw new AssertionError();
        }, "");
    }

    @Test
    void kfuncsAndVariablesFallThroughToModuleBtf() {
        TargetBtfs t = targets();
        Btf local = local();
        ExternSpec kfunc = new ExternSpec("bpflux_mod_kfunc", ExternSpec.Kind.KFUNC, false, 0, 3, ".ksyms", 0, 0);
        ExternResolution.Kfunc k = assertInstanceOf(ExternResolution.Kfunc.class,
                ExternResolver.create(facts(t)).resolve(kfunc, local));
        assertEquals(t.module("bpflux_mod").btf().findFirst("bpflux_mod_kfunc", null).orElseThrow().intValue(), k.btfId());
        assertEquals(MODULE_OBJ_ID, k.moduleBtfObjId());
        assertEquals("bpflux_mod", k.moduleName());

        ExternSpec var = new ExternSpec("bpflux_mod_var", ExternSpec.Kind.KSYM_VARIABLE, false, 0, 4, ".ksyms", 0, 4);
        ExternResolution.KsymVariable v = assertInstanceOf(ExternResolution.KsymVariable.class,
                ExternResolver.create(facts(t)).resolve(var, local));
        assertEquals(MODULE_OBJ_ID, v.moduleBtfObjId());
        assertEquals("bpflux_mod", v.moduleName());

        ExternSpec missing = new ExternSpec("bpflux_nowhere", ExternSpec.Kind.KFUNC, false, 0, 3, ".ksyms", 0, 0);
        String msg = assertInstanceOf(ExternResolution.Unresolved.class,
                ExternResolver.create(facts(t)).resolve(missing, local)).message();
        assertTrue(msg.contains("vmlinux and 1 module BTFs [bpflux_mod]"), msg);
    }

    @Test
    void coreCandidatesComeFromModulesWhenVmlinuxHasNone() {
        Btf local = local();
        // r1 += 0 (offset of a in the local struct), relocated to the module's layout: a at byte 4.
        Instructions insns = Instructions.of(Instructions.encode(0x07, 1, 0, 0, 0), Instructions.encode(0x95, 0, 0, 0, 0));
        BtfExt.CoreRelocation rec = new BtfExt.CoreRelocation(0, 2, 0, "0:0", CoreReloKind.FIELD_BYTE_OFFSET);
        BtfExt.CoreRelocation exists = new BtfExt.CoreRelocation(0, 2, 0, "0", CoreReloKind.TYPE_ID_TARGET);
        CoreResult r = CoreRelocator.create(local, targets()).relocate(insns, List.of(rec));
        CoreOutcome o = r.outcomes().get(0);
        assertFalse(o.poisoned(), o.toString());
        assertEquals("bpflux_mod", o.target());
        assertEquals(4, Instructions.imm(r.patched().raw(0)));
        CoreResult id = CoreRelocator.create(local, targets()).relocate(
                Instructions.of(Instructions.encode(0x18, 1, 0, 0, 2), 0L, Instructions.encode(0x95, 0, 0, 0, 0)),
                List.of(exists));
        assertEquals(3, id.outcomes().get(0).targetValue(), "the module type's id continues vmlinux's");
    }
}
