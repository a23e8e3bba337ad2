package dev.bpflux.kernel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The id of a named type in {@code /sys/kernel/btf/vmlinux}, found by a minimal walk over the raw
 * blob written for tests: an expectation that does not come from bpflux's BTF reader, and works in the
 * kernel-matrix guests, which have no bpftool. Layout per include/uapi/linux/btf.h.
 */
final class IndependentBtf {
    private IndependentBtf() {
    }

    /** The first id of a {@code kind} (BTF_KIND_* number) type named {@code name}, -1 if none. */
    static int firstId(int kind, String name) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(Path.of("/sys/kernel/btf/vmlinux")))
                .order(ByteOrder.LITTLE_ENDIAN);
        int hdr = b.getInt(4);
        int typeOff = hdr + b.getInt(8);
        int typeEnd = typeOff + b.getInt(12);
        int strOff = hdr + b.getInt(16);
        byte[] want = name.getBytes(StandardCharsets.UTF_8);
        int id = 1;
        for (int p = typeOff; p < typeEnd; id++) {
            int nameOff = b.getInt(p);
            int info = b.getInt(p + 4);
            int k = (info >>> 24) & 0x1f;
            int vlen = info & 0xffff;
            if (k == kind && nameMatches(b, strOff + nameOff, want)) {
                return id;
            }
            p += 12;
            switch (k) {
                case 1, 14, 17 -> p += 4;          // INT, VAR, DECL_TAG
                case 3 -> p += 12;                 // ARRAY
                case 4, 5 -> p += 12 * vlen;       // STRUCT, UNION
                case 6, 13 -> p += 8 * vlen;       // ENUM, FUNC_PROTO
                case 15, 19 -> p += 12 * vlen;     // DATASEC, ENUM64
                default -> { }                     // PTR, FWD, TYPEDEF, modifiers, FUNC, FLOAT, TYPE_TAG
            }
        }
        return -1;
    }

    private static boolean nameMatches(ByteBuffer b, int at, byte[] want) {
        for (int i = 0; i < want.length; i++) {
            if (b.get(at + i) != want[i]) {
                return false;
            }
        }
        return b.get(at + want.length) == 0;
    }
}
