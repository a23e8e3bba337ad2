package dev.bpflux.obj.btf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Hand-made BTF blobs for tests that need shapes clang never emits (cycles, forged counts). */
final class TestBlobs {
    private TestBlobs() {
    }

    /** A valid base BTF with no types and just the empty string. */
    static byte[] emptyBase() {
        return blob(new byte[0], new byte[] {0});
    }

    /** A valid split BTF with no types and no strings. */
    static byte[] emptySplit() {
        return blob(new byte[0], new byte[0]);
    }

    static byte[] blob(byte[] types, byte[] strings) {
        ByteBuffer b = ByteBuffer.allocate(24 + types.length + strings.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) 0xeB9F).put((byte) 1).put((byte) 0).putInt(24);
        b.putInt(0).putInt(types.length).putInt(types.length).putInt(strings.length);
        b.put(types).put(strings);
        return b.array();
    }

    /** A base BTF holding {@code types}, built through {@link BtfWriter} (ids from 1 in order). */
    static Btf base(BtfType... types) {
        BtfWriter w = BtfWriter.of(Btf.parse(emptyBase(), "test"));
        for (BtfType t : types) {
            w.add(t);
        }
        return Btf.parse(w.write(), "test");
    }
}
