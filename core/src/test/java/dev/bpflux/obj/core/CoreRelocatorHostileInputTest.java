package dev.bpflux.obj.core;

import dev.bpflux.BpfObjectException;
import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.obj.Instructions;
import dev.bpflux.obj.ProgramSpec;
import dev.bpflux.obj.btf.Btf;
import dev.bpflux.obj.btf.BtfExt;
import dev.bpflux.obj.btf.CoreReloKind;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Forged CO-RE records (random type ids, access strings, kinds, instruction indexes and instruction
 * bytes) must end in a result or a {@link BpfObjectException}, never another exception or a hang.
 */
class CoreRelocatorHostileInputTest {
    @Test
    void randomRecordsFailCleanly() {
        BpfObjectSpec o = BpfObjectSpec.read(Path.of("src/test/bpf/load/core_relocs.bpf.o"));
        Btf local = o.btf().orElseThrow();
        TargetBtfs kernel = TargetBtfs.of(Btf.readKernel(), Map.of());
        ProgramSpec p = o.program("core_probed").orElseThrow();
        Random rnd = new Random(42);
        int ok = 0;
        int rejected = 0;
        for (int i = 0; i < 3000; i++) {
            long[] insns = p.instructions().toLongArray();
            if (rnd.nextInt(4) == 0) {
                insns[rnd.nextInt(insns.length)] = rnd.nextLong();
            }
            int typeId = switch (rnd.nextInt(3)) {
                case 0 -> rnd.nextInt(local.nextTypeId() + 5) - 2;
                case 1 -> p.coreRelocations().get(rnd.nextInt(p.coreRelocations().size())).typeId();
                default -> rnd.nextInt();
            };
            StringBuilder acc = new StringBuilder();
            int parts = rnd.nextInt(5);
            for (int j = 0; j <= parts; j++) {
                acc.append(j == 0 ? "" : ":").append(rnd.nextInt(10) == 0 ? rnd.nextInt() : rnd.nextInt(300));
            }
            if (rnd.nextInt(20) == 0) {
                acc.append(":x");
            }
            CoreReloKind kind = CoreReloKind.values()[rnd.nextInt(CoreReloKind.values().length)];
            int insn = rnd.nextInt(10) == 0 ? rnd.nextInt() : rnd.nextInt(insns.length);
            BtfExt.CoreRelocation rec = new BtfExt.CoreRelocation(insn, typeId, 0, acc.toString(), kind);
            try {
                CoreResult r = CoreRelocator.create(local, kernel).relocate(Instructions.of(insns), List.of(rec));
                assertEquals(1, r.outcomes().size());
                ok++;
            } catch (BpfObjectException e) {
                rejected++;
            } catch (RuntimeException e) {
                fail("record " + rec + " threw " + e, e);
            }
        }
        assertEquals(3000, ok + rejected);
    }
}
