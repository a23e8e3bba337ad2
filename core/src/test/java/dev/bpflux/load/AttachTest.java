package dev.bpflux.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.BpfNotSupportedException;
import dev.bpflux.BpfVerifierException;
import dev.bpflux.link.BpfLink;
import dev.bpflux.link.PerfEventLink;
import dev.bpflux.sys.OwnedFd;
import dev.bpflux.sys.PerfEventAttr;
import dev.bpflux.sys.PerfEvents;
import dev.bpflux.sys.SyscallTrigger;
import dev.bpflux.testing.KernelRequirements;
import dev.bpflux.testing.KernelTest;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each attach type this kernel allows: load, attach by section name, trigger, read back what the program wrote. */
@KernelTest
class AttachTest {
    static final Path CORPUS = BpfObjectTest.CORPUS;

    /**
     * Where the host's security policy forbids BPF trampolines (this development VM: loading fentry
     * and lsm programs fails with EPERM for libbpf too, and tracefs refuses ftrace's function list),
     * the load must say so; elsewhere the program must work.
     */
    static BpfObject loadTrampolineObject(String file) {
        LoadOptions opts = LoadOptions.defaults().withVariable("target_tgid", Trigger.tgid());
        if (Trigger.ftraceFunctionsReadable()) {
            return BpfObject.load(CORPUS.resolve(file), opts);
        }
        BpfNotSupportedException e = assertThrows(BpfNotSupportedException.class,
                () -> BpfObject.load(CORPUS.resolve(file), opts));
        assertTrue(e.getMessage().contains("BPF trampolines") && e.getMessage().contains("EPERM"), e.getMessage());
        return null;
    }

    @Test
    void fentryAndFexit(@TempDir Path dir) throws IOException {
        try (BpfObject obj = loadTrampolineObject("attach_fentry.bpf.o")) {
            if (obj == null) {
                return;
            }
            Path existing = Files.createFile(dir.resolve("file"));
            // Only this thread counts: the JVM's other threads make syscalls too.
            obj.global("target_tid").writeInt(SyscallTrigger.gettid());
            Path missing = dir.resolve("missing");
            try (BpfLink a = obj.program("on_unlink_entry").attach(); BpfLink b = obj.program("on_unlink_exit").attach()) {
                assertEquals(0, Trigger.unlink(existing));
                assertEquals(-1, Trigger.unlink(missing));
            }
            assertEquals(2, obj.global("entry_calls").readLong());
            assertEquals(2, obj.global("exit_calls").readLong());
            assertEquals(-100, obj.global("entry_dfd").readInt());
            assertEquals(missing.toString(), obj.global("entry_name").readString());
            assertEquals(-2, obj.global("exit_ret").readInt());
        }
    }

    @Test
    void uprobeAndUretprobeOnLibc() {
        try (BpfObject obj = BpfObject.load(CORPUS.resolve("attach_uprobe.bpf.o"),
                LoadOptions.defaults().withVariable("target_tgid", Trigger.tgid()))) {
            AttachOptions at = AttachOptions.defaults().withUprobe(Trigger.libc(), "getpgid");
            int k = 3;
            int pgid;
            // Only this thread counts: the JVM's other threads make syscalls too.
            obj.global("target_tid").writeInt(SyscallTrigger.gettid());
            try (BpfLink a = obj.program("on_uprobe").attach(at); BpfLink b = obj.program("on_uretprobe").attach(at)) {
                pgid = Trigger.getpgid(k);
            }
            assertEquals(k, obj.global("uprobe_calls").readLong());
            assertEquals(k, obj.global("uretprobe_calls").readLong());
            assertEquals(0, obj.global("uprobe_arg1").readLong());
            assertEquals(pgid, obj.global("uretprobe_ret").readLong());
        }
    }

    @Test
    void uprobeWithoutBinaryExplainsWhatIsMissing() {
        try (BpfObject obj = BpfObject.load(CORPUS.resolve("attach_uprobe.bpf.o"))) {
            Exception e = assertThrows(RuntimeException.class, () -> obj.program("on_uprobe").attach());
            assertTrue(e.getMessage().contains("withUprobe(binary, symbol)"), e.getMessage());
        }
    }

    @Test
    void kprobesLoadAndAttachWhereTheKernelHasThem(@TempDir Path dir) throws IOException {
        try (BpfObject obj = BpfObject.load(CORPUS.resolve("attach_kprobe.bpf.o"), LoadOptions.defaults()
                .withVariable("target_tgid", Trigger.tgid()))) {
            if (!KernelRequirements.kernelHasKprobes()) {
                for (String p : new String[] {"on_unlink_kprobe", "on_unlink_kretprobe", "on_getpgid_ksyscall"}) {
                    BpfNotSupportedException e = assertThrows(BpfNotSupportedException.class,
                            () -> obj.program(p).attach());
                    assertTrue(e.getMessage().contains("CONFIG_KPROBES"), e.getMessage());
                }
                return;
            }
            // Only this thread counts: the JVM's other threads make syscalls too.
            obj.global("target_tid").writeInt(SyscallTrigger.gettid());
            Path missing = dir.resolve("missing");
            try (BpfLink a = obj.program("on_unlink_kprobe").attach();
                 BpfLink b = obj.program("on_unlink_kretprobe").attach();
                 BpfLink c = obj.program("on_getpgid_ksyscall").attach()) {
                assertEquals(-1, Trigger.unlink(missing));
                Trigger.getpgid1234();
            }
            assertEquals(1, obj.global("ksyscall_calls").readLong());
            assertEquals(1234, obj.global("ksyscall_arg").readInt());
            assertEquals(1, obj.global("kprobe_calls").readLong());
            assertEquals(1, obj.global("kretprobe_calls").readLong());
            assertEquals(missing.toString(), obj.global("kprobe_name").readString());
            assertEquals(-2, obj.global("kretprobe_ret").readInt());
        }
    }

    @Test
    void lsmFileOpenCountsAndDenies(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("f"), "x");
        long ino = ((Number) Files.getAttribute(file, "unix:ino")).longValue();
        try (BpfObject obj = loadTrampolineObject("attach_lsm.bpf.o")) {
            if (obj == null) {
                return;
            }
            if (!Trigger.bpfLsmActive()) {
                // BPF LSM built but not in the active LSM list (Debian's default): loads, cannot attach.
                Exception e = assertThrows(RuntimeException.class, () -> obj.program("check_file_open").attach());
                assertTrue(e.getMessage().contains("check_file_open"), e.getMessage());
                return;
            }
            // Only this thread counts: the JVM's other threads open files too.
            obj.global("target_tid").writeInt(SyscallTrigger.gettid());
            try (BpfLink link = obj.program("check_file_open").attach()) {
                for (int i = 0; i < 3; i++) {
                    try (InputStream in = Files.newInputStream(file)) {
                        in.read();
                    }
                }
                assertTrue(obj.global("opens").readLong() >= 3);
                assertEquals(ino, obj.global("last_ino").readLong());
                obj.global("deny_ino").writeLong(ino);
                // The program returns -EPERM, which Java reports as a FileSystemException.
                java.nio.file.FileSystemException denied = assertThrows(java.nio.file.FileSystemException.class,
                        () -> Files.newInputStream(file).close());
                assertTrue(String.valueOf(denied.getReason()).contains("Operation not permitted"), denied.toString());
            }
            Files.newInputStream(file).close(); // detached: allowed again
        }
    }

    @Test
    void xdpAndSocketFilterByTestRunAndXdpOnLoopback() {
        try (BpfObject obj = BpfObject.load(CORPUS.resolve("attach_net.bpf.o"),
                LoadOptions.defaults().withProgramsToLoad("count_xdp", "count_socket"))) {
            int n = 10;
            assertEquals(2, obj.program("count_xdp").program().testRun(new byte[64], n).returnValue());
            assertEquals(n, obj.global("xdp_packets").readLong());
            assertEquals(64L * n, obj.global("xdp_bytes").readLong());
            // A socket filter's skb->len excludes the 14-byte Ethernet header of the test-run frame.
            assertEquals(100 - 14, obj.program("count_socket").program().testRun(new byte[100], 1).returnValue());
            assertEquals(100 - 14, obj.global("socket_last_len").readInt());
            try (BpfLink link = obj.program("count_xdp").attach(AttachOptions.defaults().withInterface("lo")
                    .withXdpFlags(dev.bpflux.link.XdpLink.XDP_FLAGS_SKB_MODE))) {
                assertTrue(link.isBpfLink());
            }
        }
    }

    @Test
    void cgroupSkbEgressCountsAndDrops() throws IOException {
        // The program sits on the root cgroup and counts every process's datagrams to the port: a port
        // this test holds bound (not a fixed number another program or a concurrent run could use).
        try (DatagramSocket receiver = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             BpfObject obj = BpfObject.load(CORPUS.resolve("attach_net.bpf.o"), LoadOptions.defaults()
                .withVariable("target_port", receiver.getLocalPort()).withProgramsToLoad("count_egress"));
             DatagramSocket s = new DatagramSocket()) {
            DatagramPacket p = new DatagramPacket(new byte[10], 10, InetAddress.getLoopbackAddress(),
                    receiver.getLocalPort());
            try (BpfLink link = obj.program("count_egress").attach(
                    AttachOptions.defaults().withCgroup(Trigger.cgroup2()))) {
                for (int i = 0; i < 4; i++) {
                    s.send(p);
                }
                assertEquals(4, obj.global("egress_packets").readLong());
                obj.global("egress_drop").write(new byte[] {1});
                assertThrows(IOException.class, () -> s.send(p));
            }
            s.send(p); // detached
        }
    }

    @Test
    void perfEventProgramOnASoftwareClock() throws InterruptedException {
        try (BpfObject obj = BpfObject.load(CORPUS.resolve("attach_perf_event.bpf.o"),
                LoadOptions.defaults().withVariable("target_tgid", Trigger.tgid()));
             PerfEventAttr attr = new PerfEventAttr()) {
            attr.type(PerfEventAttr.PERF_TYPE_SOFTWARE).config(PerfEventAttr.PERF_COUNT_SW_CPU_CLOCK)
                    .samplePeriod(100_000);
            OwnedFd event = PerfEvents.open(attr, 0, -1, -1, 0, "cpu clock of this process");
            try (PerfEventLink link = PerfEventLink.attach(obj.program("on_sample").program(), event, 0)) {
                long end = System.nanoTime() + 100_000_000L;
                long x = 0;
                while (System.nanoTime() < end) {
                    x += System.nanoTime() % 7;
                }
                assertTrue(x >= 0);
            } finally {
                event.close();
            }
            assertTrue(obj.global("samples").readLong() > 0);
            assertEquals(100_000, obj.global("last_sample_period").readLong());
        }
    }

    @Test
    void verifierRejectionNamesTheProgramAndKeepsTheLog() {
        BpfVerifierException e = assertThrows(BpfVerifierException.class,
                () -> BpfObject.load(CORPUS.resolve("verifier_reject.bpf.o")));
        assertEquals("read_past_stack", e.program());
        assertTrue(e.getMessage().contains("off=-520"), e.getMessage());
        assertTrue(e.log().contains("off=-520"));
        try (BpfObject obj = BpfObject.load(CORPUS.resolve("verifier_reject.bpf.o"),
                LoadOptions.defaults().withProgramsToLoad("accepted"))) {
            assertEquals(1, obj.programs().size());
        }
    }
}
