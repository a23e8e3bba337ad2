package dev.bpflux.sys;

import com.sun.jna.LastErrorException;

/**
 * Restarts a system call a signal interrupted (EINTR), as {@link Bpf#tryCall} does for bpf(2): the
 * caller never sees EINTR, which says nothing about what it asked for.
 */
public final class Eintr {
    private Eintr() {
    }

    /** A system call returning a number (an fd, an address, a count). */
    @FunctionalInterface
    public interface Call {
        long run() throws LastErrorException;
    }

    /** Runs {@code call} until it ends with anything but EINTR. */
    public static long retry(Call call) throws LastErrorException {
        while (true) {
            try {
                return call.run();
            } catch (LastErrorException e) {
                if (e.getErrorCode() != Errno.EINTR) {
                    throw e;
                }
            }
        }
    }
}
