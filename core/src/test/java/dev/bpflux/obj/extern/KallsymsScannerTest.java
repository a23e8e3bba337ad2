package dev.bpflux.obj.extern;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KallsymsScannerTest {
    static final String TEXT = String.join("\n",
            "ffffffff81000000 T _text",
            "ffffffff816d4e50 T do_unlinkat",
            "ffffffff82400000 D __start_rodata",
            "ffffffff83a1b2c0 d bpf_prog_active",
            "ffffffff83a1b2c8 d counter.llvm.1234567890",
            "ffffffffc0a01000 t nft_do_chain\t[nf_tables]",
            "ffffffff811234a0 t dup_name",
            "ffffffff811234b0 t dup_name",
            "garbage line",
            "ffffffff8112 T",
            "ffffffff81ffffff T last_without_newline");

    @Test
    void keepsOnlyWantedNames() {
        KallsymsLookup l = new KallsymsScanner(Set.of("do_unlinkat", "nft_do_chain", "last_without_newline", "absent"))
                .accept(TEXT).finish("t");
        assertEquals(List.of(0xffffffff816d4e50L), l.addresses().get("do_unlinkat"));
        assertEquals(List.of(0xffffffffc0a01000L), l.addresses().get("nft_do_chain"), "module symbols count");
        assertEquals(List.of(0xffffffff81ffffffL), l.addresses().get("last_without_newline"));
        assertFalse(l.addresses().containsKey("absent"));
        assertFalse(l.addresses().containsKey("_text"));
        assertFalse(l.zeroed());
        assertNull(l.restriction());
    }

    @Test
    void staticSymbolsListedTwiceKeepBothAddresses() {
        KallsymsLookup l = new KallsymsScanner(Set.of("dup_name")).accept(TEXT).finish("t");
        assertEquals(List.of(0xffffffff811234a0L, 0xffffffff811234b0L), l.addresses().get("dup_name"));
    }

    @Test
    void llvmRenamedDataSymbolsMatchTheirCName() {
        KallsymsLookup l = new KallsymsScanner(Set.of("counter")).accept(TEXT).finish("t");
        assertEquals(List.of(0xffffffff83a1b2c8L), l.addresses().get("counter"));
    }

    @Test
    void chunksSplitAnywhereGiveTheSameResult() {
        byte[] b = TEXT.getBytes(StandardCharsets.UTF_8);
        Set<String> want = Set.of("do_unlinkat", "bpf_prog_active", "nft_do_chain", "dup_name", "last_without_newline");
        KallsymsLookup whole = new KallsymsScanner(want).accept(TEXT).finish("t");
        for (int chunk = 1; chunk < 40; chunk++) {
            KallsymsScanner s = new KallsymsScanner(want);
            for (int off = 0; off < b.length; off += chunk) {
                s.accept(b, off, Math.min(chunk, b.length - off));
            }
            assertEquals(whole, s.finish("t"), "chunk " + chunk);
        }
    }

    @Test
    void zeroedAddressesAreDetected() {
        String restricted = TEXT.replaceAll("(?m)^[0-9a-f]{16}", "0000000000000000");
        KallsymsLookup l = new KallsymsScanner(Set.of("do_unlinkat")).accept(restricted).finish("/proc/kallsyms");
        assertTrue(l.zeroed());
        assertEquals(List.of(0L), l.addresses().get("do_unlinkat"));
        assertTrue(l.restriction().contains("kptr_restrict"), l.restriction());
    }

    @Test
    void dataSymbolCountTellsKallsymsAll() {
        KallsymsScanner few = new KallsymsScanner(Set.of()).accept(TEXT);
        assertEquals(3, few.dataSymbols()); // __start_rodata, bpf_prog_active, counter.llvm.*
        assertFalse(few.hasDataSymbols());
        StringBuilder many = new StringBuilder(TEXT).append('\n');
        for (int i = 0; i < 2000; i++) {
            many.append(String.format("ffffffff8300%04x d var_%d%n", i, i));
        }
        assertTrue(new KallsymsScanner(Set.of()).accept(many.toString()).hasDataSymbols());
    }

    @Test
    void hostileInputNeitherThrowsNorGrowsWithoutBound() {
        byte[] junk = new byte[3 << 20];
        java.util.Arrays.fill(junk, (byte) 'f');
        KallsymsScanner s = new KallsymsScanner(Set.of("x"));
        s.accept(junk, 0, junk.length);
        s.accept("\n0 T x\n");
        KallsymsLookup l = s.finish("t");
        assertEquals(List.of(0L), l.addresses().get("x"));
        new KallsymsScanner(Set.of("x")).accept("\n\n \n\t\nzz T x\n1 T\n1  x\n").finish("t");
    }
}
