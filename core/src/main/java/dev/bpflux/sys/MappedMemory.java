package dev.bpflux.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;
import dev.bpflux.BpfException;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An mmap'd region of a descriptor (a ring buffer, a perf buffer, an mmapable array map).
 * Unmapped exactly once by {@link #close()} (a {@link Cleaner} is only a safety net). Every
 * accessor checks the handle is open and the range in bounds and throws rather than touch
 * unmapped memory.
 *
 * <p>{@link #address()} and {@link #asByteBuffer()} hand out raw views for zero-copy readers;
 * whoever takes one must stop using it before closing this mapping.
 */
public final class MappedMemory implements AutoCloseable {
    /** PROT_READ and PROT_WRITE, MAP_SHARED (asm-generic/mman-common.h, mman.h). */
    public static final int PROT_READ = 0x1;
    public static final int PROT_WRITE = 0x2;
    public static final int MAP_SHARED = 0x01;

    private static final Cleaner CLEANER = Cleaner.create();

    private final long address;
    private final long length;
    private final String what;
    private final Unmapper unmapper;
    private final Cleaner.Cleanable cleanable;

    private static final class Unmapper implements Runnable {
        private final long address;
        private final long length;
        private final SystemCalls sys;
        private final AtomicBoolean closed = new AtomicBoolean();

        Unmapper(long address, long length, SystemCalls sys) {
            this.address = address;
            this.length = length;
            this.sys = sys;
        }

        @Override
        public void run() {
            if (closed.compareAndSet(false, true)) {
                try {
                    sys.munmap(address, length);
                } catch (LastErrorException e) {
                    // munmap only fails for bad arguments, which we never pass; nothing to recover.
                }
            }
        }
    }

    private MappedMemory(long address, long length, String what, SystemCalls sys) {
        this.address = address;
        this.length = length;
        this.what = what;
        this.unmapper = new Unmapper(address, length, sys);
        this.cleanable = CLEANER.register(this, unmapper);
    }

    /** mmap(2)s {@code length} bytes of {@code fd} at {@code offset}, shared, through {@code fd}'s door. */
    public static MappedMemory map(OwnedFd fd, long length, int prot, long offset) {
        return map(fd.calls(), fd, length, prot, offset);
    }

    /** As {@link #map(OwnedFd, long, int, long)} through the given system calls. */
    public static MappedMemory map(SystemCalls sys, OwnedFd fd, long length, int prot, long offset) {
        if (length <= 0) {
            throw new IllegalArgumentException("mapping length must be positive, got " + length);
        }
        try {
            long address = Eintr.retry(() -> sys.mmap(length, prot, MAP_SHARED, fd.fd(), offset));
            return new MappedMemory(address, length, "mapping of " + fd.what(), sys);
        } catch (LastErrorException e) {
            throw SyscallErrors.exception("mmap of " + length + " bytes of " + fd.what() + " at offset " + offset,
                    e.getErrorCode(), e.getErrorCode() == Errno.EINVAL
                            ? "the object may not be mmapable (arrays need BPF_F_MMAPABLE, 5.5+)" : null);
        }
    }

    /** Mapped bytes. */
    public long length() {
        return length;
    }

    /** Whether {@link #close()} has run. */
    public boolean isClosed() {
        return unmapper.closed.get();
    }

    /** The mapping's address; throws when unmapped. */
    public long address() {
        ensureOpen();
        return address;
    }

    /** A JNA pointer to the mapping; throws when unmapped. */
    public Pointer pointer() {
        return new Pointer(address());
    }

    /** A direct buffer over the whole mapping (up to 2 GiB). Must not be used after {@link #close()}. */
    public ByteBuffer asByteBuffer() {
        if (length > Integer.MAX_VALUE) {
            throw new BpfException(what + " is larger than a ByteBuffer can view (" + length + " bytes)");
        }
        return pointer().getByteBuffer(0, length);
    }

    public byte getByte(long offset) {
        check(offset, 1);
        return new Pointer(address).getByte(offset);
    }

    public int getInt(long offset) {
        check(offset, 4);
        return new Pointer(address).getInt(offset);
    }

    public long getLong(long offset) {
        check(offset, 8);
        return new Pointer(address).getLong(offset);
    }

    public void putInt(long offset, int value) {
        check(offset, 4);
        new Pointer(address).setInt(offset, value);
    }

    public void putLong(long offset, long value) {
        check(offset, 8);
        new Pointer(address).setLong(offset, value);
    }

    public byte[] getBytes(long offset, int count) {
        check(offset, count);
        return new Pointer(address).getByteArray(offset, count);
    }

    public void putBytes(long offset, byte[] bytes) {
        check(offset, bytes.length);
        new Pointer(address).write(offset, bytes, 0, bytes.length);
    }

    private void ensureOpen() {
        if (unmapper.closed.get()) {
            throw new BpfException(what + " is already unmapped");
        }
    }

    private void check(long offset, long count) {
        ensureOpen();
        if (offset < 0 || count < 0 || offset > length - count) {
            throw new IndexOutOfBoundsException("range [" + offset + ", " + (offset + count) + ") outside "
                    + what + " of " + length + " bytes");
        }
    }

    /** Unmaps; later calls do nothing. */
    @Override
    public void close() {
        cleanable.clean();
    }

    @Override
    public String toString() {
        return what + " (" + length + " bytes" + (isClosed() ? ", unmapped)" : ")");
    }
}
