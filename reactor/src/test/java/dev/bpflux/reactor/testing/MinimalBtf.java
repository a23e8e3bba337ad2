package dev.bpflux.reactor.testing;

import com.sun.jna.Memory;
import dev.bpflux.BpfException;
import dev.bpflux.sys.Bpf;
import dev.bpflux.sys.BpfAttr;
import dev.bpflux.sys.Errno;
import dev.bpflux.sys.OwnedFd;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The smallest BTF a program with a bpf_loop callback needs: the verifier wants BTF func_info
 * for every subprogram ("missing btf func_info"). Types (include/uapi/linux/btf.h):
 * 1 INT int; 2 FUNC_PROTO int(void); 3 FUNC main (global); 4 FUNC_PROTO int(int i, int ctx);
 * 5 FUNC callback (static).
 */
final class MinimalBtf {
    private static final int KIND_INT = 1, KIND_FUNC = 12, KIND_FUNC_PROTO = 13;
    static final int MAIN_FUNC = 3, CALLBACK_FUNC = 5;

    private MinimalBtf() {
    }

    static byte[] bytes(String mainName, String callbackName) {
        ByteArrayOutputStream strings = new ByteArrayOutputStream();
        strings.write(0);
        int intName = add(strings, "int");
        int mainNameOff = add(strings, mainName);
        int cbNameOff = add(strings, callbackName);
        int iName = add(strings, "i");
        int ctxName = add(strings, "ctx");
        ByteBuffer types = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        // 1: int, 4 bytes, signed, 32 bits
        types.putInt(intName).putInt(KIND_INT << 24).putInt(4).putInt((1 << 24) | 32);
        // 2: int (void)
        types.putInt(0).putInt(KIND_FUNC_PROTO << 24).putInt(1);
        // 3: FUNC main, linkage global (1)
        types.putInt(mainNameOff).putInt((KIND_FUNC << 24) | 1).putInt(2);
        // 4: int (int i, int ctx)
        types.putInt(0).putInt((KIND_FUNC_PROTO << 24) | 2).putInt(1);
        types.putInt(iName).putInt(1).putInt(ctxName).putInt(1);
        // 5: FUNC callback, linkage static (0)
        types.putInt(cbNameOff).putInt(KIND_FUNC << 24).putInt(4);
        int typeLen = types.position();
        byte[] str = strings.toByteArray();
        ByteBuffer out = ByteBuffer.allocate(24 + typeLen + str.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putShort((short) 0xeB9F).put((byte) 1).put((byte) 0).putInt(24);
        out.putInt(0).putInt(typeLen).putInt(typeLen).putInt(str.length);
        out.put(types.array(), 0, typeLen).put(str);
        return out.array();
    }

    private static int add(ByteArrayOutputStream strings, String s) {
        int off = strings.size();
        strings.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
        strings.write(0);
        return off;
    }

    static OwnedFd load(byte[] btf) {
        Memory m = new Memory(btf.length);
        m.write(0, btf, 0, btf.length);
        Memory log = new Memory(65536);
        log.setByte(0, (byte) 0);
        try (BpfAttr.BtfLoad attr = new BpfAttr.BtfLoad()) {
            attr.btf(m, btf.length).log(log, (int) log.size(), 1);
            int r = Bpf.system().tryCall(attr);
            if (r < 0) {
                throw new BpfException("BPF_BTF_LOAD of the test BTF failed with " + Errno.name(-r) + ": "
                        + log.getString(0));
            }
            return OwnedFd.adopt(r, "test BTF");
        }
    }
}
