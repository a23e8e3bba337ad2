package dev.bpflux.load;

import dev.bpflux.BpfException;
import dev.bpflux.BpfPermissionException;
import dev.bpflux.BpfSyscallException;
import dev.bpflux.prog.LoadedBtf;
import dev.bpflux.sys.Bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Which BTF kinds the running kernel's BTF checker accepts, probed once per JVM by loading tiny BTF
 * blobs (as libbpf does), so {@link ObjectBtfFixer} replaces only what this kernel lacks.
 */
final class BtfFeatureProbes {
    private static volatile ObjectBtfFixer.BtfFeatures features;

    private BtfFeatureProbes() {
    }

    /**
     * Which BTF kinds this kernel accepts; probed by loading tiny blobs, as libbpf does: once per JVM
     * for the real kernel, on every call (once per load) through another door.
     */
    static ObjectBtfFixer.BtfFeatures features(Bpf bpf) {
        if (bpf != Bpf.system()) {
            return probeAll(bpf);
        }
        ObjectBtfFixer.BtfFeatures f = features;
        if (f == null) {
            f = probeAll(bpf);
            features = f;
        }
        return f;
    }

    private static ObjectBtfFixer.BtfFeatures probeAll(Bpf bpf) {
        return new ObjectBtfFixer.BtfFeatures(
                probe(bpf, types(intT(), proto(), func(0)), "\0int\0f\0"),
                probe(bpf, types(intT(), proto(), func(1)), "\0int\0f\0"),
                probe(bpf, types(intT(), var(), datasec()), "\0int\0x\0.data\0"),
                probe(bpf, types(word(nameOff(1), kind(16, 0, false), 4)), "\0f\0"),
                // A DECL_TAG needs a name (the tag's text): "x" on the VAR x, component -1 (the VAR itself).
                probe(bpf, types(intT(), var(), word(nameOff(5), kind(17, 0, false), 2, -1)), "\0int\0x\0"),
                probe(bpf, types(intT(), word(nameOff(5), kind(18, 0, false), 1), word(0, kind(2, 0, false), 2)),
                        "\0int\0tag\0"),
                probe(bpf, types(word(nameOff(1), kind(19, 1, false), 8, nameOff(3), 1, 0)), "\0e\0v\0"));
    }

    @SuppressWarnings("try") // the probe BTF is only loaded and closed
    private static boolean probe(Bpf bpf, byte[] types, String strings) {
        byte[] str = strings.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(24 + types.length + str.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) 0xeB9F).put((byte) 1).put((byte) 0).putInt(24);
        b.putInt(0).putInt(types.length).putInt(types.length).putInt(str.length);
        b.put(types).put(str);
        try (LoadedBtf loaded = LoadedBtf.load(bpf, b.array(), "BTF feature probe")) {
            return true;
        } catch (BpfPermissionException e) {
            throw new BpfException("probing BTF support needs CAP_BPF or CAP_SYS_ADMIN: " + e.getMessage(), e);
        } catch (BpfSyscallException rejected) {
            return false;
        }
    }

    // Tiny BTF encoders for the probes ({@code struct btf_type}: name_off, info, size/type, then kind data).
    private static int nameOff(int off) {
        return off;
    }

    private static int kind(int kind, int vlen, boolean kindFlag) {
        return (kindFlag ? 1 << 31 : 0) | kind << 24 | vlen;
    }

    private static int[] word(int... w) {
        return w;
    }

    private static int[] intT() {
        return word(nameOff(1), kind(1, 0, false), 4, 32); // [1] int, signed? no: encoding 0, 32 bits
    }

    private static int[] proto() {
        return word(0, kind(13, 0, false), 1); // [2] int (void)
    }

    private static int[] func(int linkage) {
        return word(nameOff(5), kind(12, linkage, false), 2); // [3] f, linkage in vlen
    }

    private static int[] var() {
        return word(nameOff(5), kind(14, 0, false), 1, 1); // [2] x: int, global allocated
    }

    private static int[] datasec() {
        return word(nameOff(7), kind(15, 1, false), 4, 2, 0, 4); // [3] .data {x at 0, 4 bytes}
    }

    private static byte[] types(int[]... ts) {
        int n = 0;
        for (int[] t : ts) {
            n += t.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int[] t : ts) {
            for (int w : t) {
                b.putInt(w);
            }
        }
        return b.array();
    }
}
