package dev.bpflux.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.bpflux.BpfException;
import dev.bpflux.BpfPermissionException;
import dev.bpflux.BpfSyscallException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Errno mapping and handle ownership against a fake kernel. */
class SyscallErrorsTest {

    /** Fails every bpf(2) with a fixed errno and records closes. */
    static class FakeKernel implements SystemCalls {
        int bpfErrno;
        int bpfResult = 7;
        final List<Integer> closed = new CopyOnWriteArrayList<>();
        final AtomicInteger nextFd = new AtomicInteger(100);
        int lastCmd = -1;
        int lastSize = -1;

        @Override
        public int bpf(int cmd, Pointer attr, int size) {
            lastCmd = cmd;
            lastSize = size;
            if (bpfErrno != 0) {
                throw new LastErrorException(bpfErrno);
            }
            return bpfResult;
        }

        @Override public int perfEventOpen(Pointer attr, int pid, int cpu, int groupFd, long flags) { throw new LastErrorException(Errno.ENOENT); }
        @Override public int ioctl(int fd, long request, long arg) { return 0; }
        @Override public void close(int fd) { closed.add(fd); }
        @Override public int dupCloexec(int fd) { return nextFd.getAndIncrement(); }
        @Override public long mmap(long length, int prot, int flags, int fd, long offset) { return 0x10000; }
        @Override public void munmap(long address, long length) { closed.add((int) address); }
        @Override public int epollCreate1(int flags) { return 0; }
        @Override public int epollCtl(int epfd, int op, int fd, Pointer event) { return 0; }
        @Override public int epollWait(int epfd, Pointer events, int maxEvents, int timeoutMillis) { return 0; }
        @Override public int eventfd(int initialValue, int flags) { return 0; }
        @Override public long read(int fd, Pointer buffer, long count) { return 0; }
        @Override public long write(int fd, Pointer buffer, long count) { return 0; }
        @Override public int ifNameToIndex(String name) { throw new LastErrorException(Errno.ENODEV); }
        @Override public void setrlimit(int resource, long soft, long hard) { }
        @Override public String strerror(int errno) { return "fake"; }
    }

    @Test
    void messageNamesCommandErrnoAndText() {
        FakeKernel k = new FakeKernel();
        k.bpfErrno = Errno.EINVAL;
        Bpf bpf = new Bpf(k);
        try (BpfAttr.MapCreate attr = new BpfAttr.MapCreate()) {
            BpfSyscallException e = assertThrows(BpfSyscallException.class, () -> bpf.call(attr, "check the sizes"));
            assertEquals("BPF_MAP_CREATE failed with EINVAL (22): Invalid argument; check the sizes", e.getMessage());
            assertEquals(22, e.errno());
            assertEquals("BPF_MAP_CREATE", e.operation());
            assertEquals(0, k.lastCmd);
            assertEquals(72, k.lastSize);
        }
    }

    @Test
    void permissionErrorsBecomePermissionExceptions() {
        for (int errno : new int[] {Errno.EPERM, Errno.EACCES}) {
            BpfSyscallException e = SyscallErrors.exception("BPF_PROG_LOAD", errno, null);
            assertInstanceOf(BpfPermissionException.class, e);
            assertTrue(e.getMessage().contains("CAP_BPF"), e.getMessage());
        }
        assertFalse(SyscallErrors.exception("BPF_PROG_LOAD", Errno.EINVAL, null) instanceof BpfPermissionException);
    }

    @Test
    void e2bigWithoutAHintBlamesNoKernelVersion() {
        BpfSyscallException e = SyscallErrors.exception("BPF_LINK_CREATE", Errno.E2BIG, null);
        assertEquals("BPF_LINK_CREATE failed with E2BIG (7): Argument list too long; a size or count is larger "
                + "than the kernel accepts for this operation", e.getMessage());
    }

    @Test
    void commandsNewerThanTheKernelAreNamedAsSuch() {
        assertTrue(SyscallErrors.kernelOlderThan("99.0"));
        assertFalse(SyscallErrors.kernelOlderThan("3.18"));
        assertEquals("5.6", BpfCommand.BPF_MAP_LOOKUP_BATCH.since());
        assertEquals(28, BpfCommand.BPF_LINK_CREATE.number());
    }

    @Test
    void errnoNamesAndTexts() {
        assertEquals("ENOENT", Errno.name(2));
        assertEquals("No such file or directory", Errno.describe(2));
        assertEquals("ENOTSUPP", Errno.name(524));
        assertEquals("ENOSPC", Errno.name(28));
        assertEquals("errno 4000", Errno.name(4000));
    }

    @Test
    void tryCallReturnsNegativeErrno() {
        FakeKernel k = new FakeKernel();
        k.bpfErrno = Errno.ENOENT;
        try (BpfAttr.MapElem attr = new BpfAttr.MapElem(BpfCommand.BPF_MAP_LOOKUP_ELEM)) {
            assertEquals(-Errno.ENOENT, new Bpf(k).tryCall(attr));
            assertEquals(1, k.lastCmd);
        }
    }

    @Test
    void ownedFdClosesExactlyOnce() {
        FakeKernel k = new FakeKernel();
        OwnedFd fd = OwnedFd.adopt(42, "map 'x'", k);
        assertEquals(42, fd.fd());
        fd.close();
        fd.close();
        assertEquals(List.of(42), k.closed);
        BpfException e = assertThrows(BpfException.class, fd::fd);
        assertEquals("map 'x' (fd 42) is already closed", e.getMessage());
    }

    @Test
    void cleanerClosesAnUnreachableHandleAsASafetyNet() throws Exception {
        FakeKernel k = new FakeKernel();
        leak(k);
        for (int i = 0; i < 200 && k.closed.isEmpty(); i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertEquals(List.of(77), k.closed);
    }

    private static void leak(FakeKernel k) {
        OwnedFd.adopt(77, "leaked map", k);
    }

    @Test
    void dupAndTransferAreIndependentOwners() {
        FakeKernel k = new FakeKernel();
        OwnedFd fd = OwnedFd.adopt(42, "prog 'p'", k);
        OwnedFd dup = fd.dup();
        assertEquals(100, dup.fd());
        OwnedFd moved = fd.transfer("prog 'q'");
        assertTrue(fd.isClosed());
        assertEquals(List.of(), k.closed, "transfer must not close the descriptor");
        assertEquals(42, moved.fd());
        moved.close();
        dup.close();
        assertEquals(List.of(42, 100), k.closed);
    }

    @Test
    void mappedMemoryRefusesAccessAfterUnmap() {
        FakeKernel k = new FakeKernel();
        try (Memory backing = new Memory(64)) {
            SystemCalls mapsBacking = new FakeKernel() {
                @Override
                public long mmap(long length, int prot, int flags, int fd, long offset) {
                    return Pointer.nativeValue(backing);
                }

                @Override
                public void munmap(long address, long length) {
                    k.closed.add(-1);
                }
            };
            OwnedFd fd = OwnedFd.adopt(5, "ring", k);
            MappedMemory m = MappedMemory.map(mapsBacking, fd, 64, MappedMemory.PROT_READ | MappedMemory.PROT_WRITE, 0);
            m.putLong(56, 99);
            assertEquals(99, m.getLong(56));
            assertThrows(IndexOutOfBoundsException.class, () -> m.getLong(57));
            m.close();
            m.close();
            assertEquals(List.of(-1), k.closed);
            assertThrows(BpfException.class, () -> m.getLong(0));
            assertThrows(BpfException.class, m::address);
        }
    }
}
