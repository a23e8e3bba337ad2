package dev.bpflux.obj;

import dev.bpflux.BpfObjectException;
import dev.bpflux.obj.btf.Btf;
import dev.bpflux.obj.btf.BtfExt;
import dev.bpflux.obj.btf.BtfKind;
import dev.bpflux.obj.elf.ElfFile;
import dev.bpflux.obj.elf.ElfSection;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Truncated and bit-flipped objects: the parsers may only ever throw {@link BpfObjectException}, and
 * one raised for a problem our own checks did not name (a wrapped runtime exception) counts as a bug.
 * Fixed seeds make failures reproducible.
 */
class HostileInputTest {
    private static final long SEED = 0xb9f_2026L;

    /** Parses {@code bytes} as an object and, when that succeeds, exercises the BTF fully. */
    private static void parse(byte[] bytes, String what) {
        try {
            BpfObjectSpec spec = BpfObjectSpec.parse(bytes, "fuzz.o");
            spec.btf().ifPresent(HostileInputTest::walk);
        } catch (BpfObjectException e) {
            if (e.getCause() != null) {
                fail(what + ": unchecked problem surfaced through the safety net: " + e.getMessage(), e.getCause());
            }
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            fail(what + ": " + e, e);
        }
    }

    /** Decode every type and resolve sizes and names, as the loader will (also used by {@link ParserFuzzTest}). */
    static void walk(Btf btf) {
        for (int id = btf.firstTypeId(); id < btf.nextTypeId(); id++) {
            try {
                btf.type(id);
                BtfKind k = btf.kind(id);
                if (k == BtfKind.STRUCT || k == BtfKind.VAR || k == BtfKind.TYPEDEF || k == BtfKind.ARRAY) {
                    btf.sizeOf(id);
                    btf.alignOf(id);
                }
                btf.skipModifiers(id);
                btf.findByName(btf.typeName(id), k);
            } catch (BpfObjectException expected) {
                if (expected.getCause() != null) {
                    throw new AssertionError(expected);
                }
            }
        }
    }

    /** Byte ranges worth mutating: everything except DWARF, which bpflux never reads. */
    private static List<long[]> interestingRanges(byte[] obj) {
        ElfFile elf = ElfFile.parse(obj, "x");
        List<long[]> r = new ArrayList<>();
        r.add(new long[] {0, 64});
        long shoff = java.nio.ByteBuffer.wrap(obj).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(40);
        r.add(new long[] {shoff, obj.length - shoff});
        for (ElfSection s : elf.sections()) {
            if (s.name().startsWith(".debug") || s.name().startsWith(".rel.debug") || s.type() == ElfSection.SHT_NOBITS
                    || s.size() == 0) {
                continue;
            }
            r.add(new long[] {s.offset(), s.size()});
        }
        return r;
    }

    @Test
    void truncatedObjectsFailCleanly() {
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (Path p : ObjectCorpus.accepted()) {
                byte[] obj = Files.readAllBytes(p);
                long shoff = java.nio.ByteBuffer.wrap(obj).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(40);
                // Every length inside the section header table (where truncation changes what is read),
                // and a sample of the rest.
                for (int len = 0; len < obj.length; len += len >= shoff - 64 ? 1 : 251) {
                    parse(java.util.Arrays.copyOf(obj, len), p + " truncated to " + len);
                }
            }
        });
    }

    @Test
    void bitFlippedObjectsFailCleanlyOrParse() {
        assertTimeoutPreemptively(Duration.ofSeconds(180), () -> {
            Random rnd = new Random(SEED);
            for (Path p : ObjectCorpus.accepted()) {
                byte[] obj = Files.readAllBytes(p);
                List<long[]> ranges = interestingRanges(obj);
                for (int iter = 0; iter < 600; iter++) {
                    byte[] m = obj.clone();
                    int flips = 1 + (iter % 4 == 0 ? rnd.nextInt(8) : 0);
                    StringBuilder where = new StringBuilder();
                    for (int f = 0; f < flips; f++) {
                        long[] range = ranges.get(rnd.nextInt(ranges.size()));
                        int at = (int) (range[0] + (long) (rnd.nextDouble() * range[1]));
                        if (iter % 3 == 0) {
                            m[at] = (byte) rnd.nextInt(256); // whole-byte replacement
                        } else {
                            m[at] ^= (byte) (1 << rnd.nextInt(8));
                        }
                        where.append(at).append(' ');
                    }
                    parse(m, p + " mutated at " + where);
                }
            }
        });
    }

    @Test
    void mutatedBtfAndBtfExtFailCleanly() {
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            Random rnd = new Random(SEED + 1);
            for (Path p : ObjectCorpus.accepted()) {
                ElfFile elf = ElfFile.read(p);
                byte[] btf = elf.section(".BTF").orElseThrow().bytes();
                byte[] ext = elf.section(".BTF.ext").orElseThrow().bytes();
                Btf good = Btf.parse(btf, "good");
                for (int iter = 0; iter < 1500; iter++) {
                    byte[] m = btf.clone();
                    // Bias toward the header and type section, where counts and ids live.
                    int typeEnd = Math.min(m.length, 24 + good.rawTypes().remaining());
                    for (int f = 0, n = 1 + rnd.nextInt(3); f < n; f++) {
                        int at = rnd.nextInt(4) == 0 ? rnd.nextInt(m.length) : rnd.nextInt(typeEnd);
                        m[at] ^= (byte) (1 << rnd.nextInt(8));
                    }
                    try {
                        walk(Btf.parse(m, "fuzz"));
                    } catch (BpfObjectException expected) {
                        // fine
                    } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
                        fail(p + " BTF iteration " + iter + ": " + e, e);
                    }
                    byte[] me = ext.clone();
                    for (int f = 0, n = 1 + rnd.nextInt(3); f < n; f++) {
                        me[rnd.nextInt(me.length)] ^= (byte) (1 << rnd.nextInt(8));
                    }
                    try {
                        BtfExt.parse(me, good, "fuzz");
                    } catch (BpfObjectException expected) {
                        // fine
                    } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
                        fail(p + " BTF.ext iteration " + iter + ": " + e, e);
                    }
                }
                for (int len = 0; len < btf.length; len += 3) {
                    try {
                        walk(Btf.parse(java.util.Arrays.copyOf(btf, len), "trunc"));
                    } catch (BpfObjectException expected) {
                        // fine
                    }
                }
            }
        });
    }
}
