package dev.bpflux.samples.spring;

import dev.bpflux.samples.trace.SyscallEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON of one {@code syscall} server-sent event. Arguments are hex strings: pointers do not
 * fit JavaScript's 53-bit numbers. {@code detail} is the path of openat and execve, the address of
 * connect, else empty.
 */
public record SyscallJson(long timestampNanos, int pid, int tid, int uid, String comm, int syscallNr, String syscall,
        List<String> args, String detail) {

    static SyscallJson of(SyscallEvent e) {
        List<String> args = new ArrayList<>(6);
        for (long a : e.args()) {
            args.add("0x" + Long.toHexString(a));
        }
        return new SyscallJson(e.timestampNanos(), e.pid(), e.tid(), e.uid(), e.comm(), e.syscall(), e.syscallName(),
                args, e.detail());
    }
}
