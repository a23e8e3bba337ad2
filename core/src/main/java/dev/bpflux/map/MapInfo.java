package dev.bpflux.map;

import dev.bpflux.obj.MapType;

import com.sun.jna.Memory;
import dev.bpflux.sys.Bpf;
import dev.bpflux.sys.BpfAttr;
import dev.bpflux.sys.OwnedFd;
import java.nio.charset.StandardCharsets;

/**
 * The kernel's description of a map ({@code struct bpf_map_info} from BPF_OBJ_GET_INFO_BY_FD, 4.13).
 * Fields a kernel does not fill read as 0.
 *
 * <pre>
 *  0 u32 type   4 u32 id   8 u32 key_size  12 u32 value_size  16 u32 max_entries  20 u32 map_flags
 * 24 char name[16]  40 u32 ifindex  44 u32 btf_vmlinux_value_type_id  48 u64 netns_dev  56 u64 netns_ino
 * 64 u32 btf_id  68 u32 btf_key_type_id  72 u32 btf_value_type_id  76 pad  80 u64 map_extra  = 88 bytes
 * </pre>
 */
public record MapInfo(int typeNumber, int id, int keySize, int valueSize, int maxEntries, int flags, String name,
        int ifindex, int btfVmlinuxValueTypeId, int btfId, int btfKeyTypeId, int btfValueTypeId, long mapExtra) {

    static final int SIZE = 88;

    /** The type, or null for one newer than bpflux knows. */
    public MapType type() {
        return MapType.of(typeNumber);
    }

    /** Reads the info of the map behind {@code fd}. */
    public static MapInfo of(OwnedFd fd) {
        try (Memory m = new Memory(SIZE); BpfAttr.InfoByFd attr = new BpfAttr.InfoByFd()) {
            m.clear();
            attr.bpfFd(fd.fd()).info(m, SIZE);
            Bpf.of(fd).call(attr, "is " + fd.what() + " a map?");
            return parse(m.getByteArray(0, SIZE));
        }
    }

    /** Decodes {@code struct bpf_map_info} bytes (native order). */
    static MapInfo parse(byte[] b) {
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.nativeOrder());
        return new MapInfo(buf.getInt(0), buf.getInt(4), buf.getInt(8), buf.getInt(12), buf.getInt(16),
                buf.getInt(20), cString(b, 24, 16), buf.getInt(40), buf.getInt(44), buf.getInt(64), buf.getInt(68),
                buf.getInt(72), buf.getLong(80));
    }

    static String cString(byte[] b, int off, int max) {
        int n = 0;
        while (n < max && b[off + n] != 0) {
            n++;
        }
        return new String(b, off, n, StandardCharsets.US_ASCII);
    }
}
