package dev.bpflux.prog;

import com.sun.jna.Memory;
import dev.bpflux.BpfSyscallException;
import dev.bpflux.sys.Bpf;
import dev.bpflux.sys.BpfAttr;
import dev.bpflux.sys.Errno;
import dev.bpflux.sys.OwnedFd;
import dev.bpflux.sys.SyscallErrors;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A BTF blob loaded into the kernel (BPF_BTF_LOAD, 4.18): its descriptor goes into
 * {@code prog_btf_fd} of programs and {@code btf_fd} of maps.
 *
 * <p>Like programs, the first load goes without a log; on failure it is repeated with a log and
 * the error message carries the log's last lines.
 */
public final class LoadedBtf implements AutoCloseable {
    private final OwnedFd fd;

    private LoadedBtf(OwnedFd fd) {
        this.fd = fd;
    }

    /** Loads raw BTF bytes (header, types, strings) as produced by the object parser or BtfWriter. */
    public static LoadedBtf load(byte[] btf, String what) {
        return load(Bpf.system(), btf, what);
    }

    /** As {@link #load(byte[], String)} through {@code bpf}'s door. */
    public static LoadedBtf load(Bpf bpf, byte[] btf, String what) {
        try (Memory m = new Memory(Math.max(1, btf.length)); BpfAttr.BtfLoad attr = new BpfAttr.BtfLoad()) {
            m.write(0, btf, 0, btf.length);
            attr.btf(m, btf.length);
            int r = bpf.tryCall(attr);
            if (r >= 0) {
                return new LoadedBtf(OwnedFd.adopt(r, "BTF of " + what, bpf.calls()));
            }
            int size = BpfProgram.INITIAL_LOG_SIZE;
            while (true) {
                try (Memory log = new Memory(size)) {
                    log.setByte(0, (byte) 0);
                    attr.log(log, size, 1);
                    r = bpf.tryCall(attr);
                    if (r >= 0) {
                        return new LoadedBtf(OwnedFd.adopt(r, "BTF of " + what, bpf.calls()));
                    }
                    if (r == -Errno.ENOSPC && size < BpfProgram.MAX_LOG_SIZE) {
                        size = Math.min(BpfProgram.MAX_LOG_SIZE, Math.max(size * 4, attr.logTrueSize() + 1));
                        continue;
                    }
                    throw failure(what, -r, log.getString(0, StandardCharsets.UTF_8.name()));
                }
            }
        }
    }

    private static BpfSyscallException failure(String what, int errno, String log) {
        String[] lines = log.strip().split("\n");
        String tail = log.isBlank() ? null : "kernel BTF log: " + String.join(" | ",
                Arrays.copyOfRange(lines, Math.max(0, lines.length - 5), lines.length));
        return SyscallErrors.exception("BPF_BTF_LOAD of " + what, errno, tail);
    }

    public OwnedFd fd() {
        return fd;
    }

    @Override
    public void close() {
        fd.close();
    }
}
