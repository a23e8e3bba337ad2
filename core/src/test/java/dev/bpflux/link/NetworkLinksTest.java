package dev.bpflux.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.BpfNotSupportedException;
import dev.bpflux.kernel.KernelVersion;
import dev.bpflux.map.BpfMap;
import dev.bpflux.obj.AttachType;
import dev.bpflux.prog.BpfProgram;
import dev.bpflux.prog.ProgramLoadRequest;
import dev.bpflux.obj.ProgramType;
import dev.bpflux.testing.KernelTest;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** XDP and tcx on the loopback interface, cgroup links and legacy attachments on a fresh cgroup. */
@KernelTest
class NetworkLinksTest {
    static final int XDP_PASS = 2;
    static final int TCX_PASS = 0;
    static final int PACKETS = 5;
    static final Path CGROUP2 = Files.isDirectory(Path.of("/sys/fs/cgroup/unified"))
            ? Path.of("/sys/fs/cgroup/unified") : Path.of("/sys/fs/cgroup");

    /** Sends {@code PACKETS} UDP datagrams over loopback and receives them. */
    static void udpOverLoopback() throws Exception {
        try (DatagramSocket rx = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                DatagramSocket tx = new DatagramSocket()) {
            rx.setSoTimeout(2000);
            for (int i = 0; i < PACKETS; i++) {
                byte[] b = {(byte) i};
                tx.send(new DatagramPacket(b, 1, InetAddress.getLoopbackAddress(), rx.getLocalPort()));
                DatagramPacket in = new DatagramPacket(new byte[16], 16);
                rx.receive(in); // proves XDP_PASS / TCX_PASS let it through
                assertEquals(i, in.getData()[0]);
            }
        }
    }

    @Test
    void xdpOnLoopbackSeesEveryPacket() throws Exception {
        try (BpfMap hits = TestPrograms.counter();
                BpfProgram prog = BpfProgram.load(ProgramLoadRequest.builder(ProgramType.XDP,
                        TestPrograms.countAll(hits.fd().fd(), XDP_PASS)).name("xdp_lo").build());
                XdpLink link = XdpLink.attach(prog, "lo", XdpLink.XDP_FLAGS_SKB_MODE)) {
            assertEquals(1, link.ifindex());
            assertEquals(LinkInfo.TYPE_XDP, link.info().type());
            udpOverLoopback();
            // Other loopback traffic may add to the count, never subtract.
            assertTrue(TestPrograms.read(hits) >= PACKETS, "hits " + TestPrograms.read(hits));
            // BPF_LINK_DETACH: the link stays open but the program no longer runs.
            link.detach();
            long after = TestPrograms.read(hits);
            udpOverLoopback();
            assertEquals(after, TestPrograms.read(hits), "detached link must not count");
        }
    }

    @Test
    void tcxIngressOnLoopbackSeesEveryPacketFrom66On() throws Exception {
        try (BpfMap hits = TestPrograms.counter();
                BpfProgram prog = BpfProgram.load(ProgramLoadRequest.builder(ProgramType.SCHED_CLS,
                        TestPrograms.countAll(hits.fd().fd(), TCX_PASS)).name("tcx_lo").build())) {
            if (!KernelVersion.current().atLeast(6, 6)) {
                BpfNotSupportedException e = assertThrows(BpfNotSupportedException.class,
                        () -> TcxLink.attach(prog, "lo", TcxLink.Direction.INGRESS));
                assertEquals("tcx links need Linux 6.6 or later", e.getMessage().replace("tcx attach is not "
                        + "supported by this kernel: ", ""));
                return;
            }
            tcx(prog, hits);
        }
    }

    private static void tcx(BpfProgram prog, BpfMap hits) throws Exception {
        try (TcxLink link = TcxLink.attach(prog, "lo", TcxLink.Direction.INGRESS)) {
            assertEquals(LinkInfo.TYPE_TCX, link.info().type());
            udpOverLoopback();
            assertTrue(TestPrograms.read(hits) >= PACKETS, "hits " + TestPrograms.read(hits));
        }
    }

    /**
     * Opens {@code sockets} UDP sockets from inside {@code cgroup}: this JVM moves itself into the
     * cgroup (cgroup v2 moves the whole process) and back afterwards. Test hosts may have no shell
     * but busybox's, and a child JVM opens sockets of its own while starting, so counting from a
     * child would not be exact.
     */
    static void socketsInCgroup(Path cgroup, int sockets) throws Exception {
        new DatagramSocket().close(); // first use probes IPv6 support with sockets of its own: do it outside
        String original = Files.readAllLines(Path.of("/proc/self/cgroup")).stream()
                .filter(l -> l.startsWith("0::")).findFirst().orElseThrow().substring(3);
        String pid = Long.toString(ProcessHandle.current().pid());
        Files.writeString(cgroup.resolve("cgroup.procs"), pid);
        try {
            for (int i = 0; i < sockets; i++) {
                new DatagramSocket().close();
            }
        } finally {
            Files.writeString(CGROUP2.resolve(original.substring(1)).resolve("cgroup.procs"), pid);
        }
    }

    static Path freshCgroup() throws Exception {
        return Files.createTempDirectory(CGROUP2, "bpflux-test");
    }

    @Test
    void cgroupLinkCountsSocketsCreatedInTheCgroup() throws Exception {
        Path cg = freshCgroup();
        try (BpfMap hits = TestPrograms.counter();
                BpfProgram prog = BpfProgram.load(ProgramLoadRequest.builder(ProgramType.CGROUP_SOCK,
                        TestPrograms.countAll(hits.fd().fd(), 1)).name("sock_create")
                        .expectedAttachType(AttachType.CGROUP_INET_SOCK_CREATE).build())) {
            try (CgroupLink link = CgroupLink.attach(prog, cg, AttachType.CGROUP_INET_SOCK_CREATE)) {
                assertEquals(LinkInfo.TYPE_CGROUP, link.info().type());
                socketsInCgroup(cg, 3);
                assertEquals(3, TestPrograms.read(hits));
            }
            socketsInCgroup(cg, 2);
            assertEquals(3, TestPrograms.read(hits), "closed link: detached");
        } finally {
            Files.delete(cg);
        }
    }

    @Test
    void legacyProgAttachCountsAndDetaches() throws Exception {
        Path cg = freshCgroup();
        try (BpfMap hits = TestPrograms.counter();
                BpfProgram prog = BpfProgram.load(ProgramLoadRequest.builder(ProgramType.CGROUP_SOCK,
                        TestPrograms.countAll(hits.fd().fd(), 1)).name("sock_create")
                        .expectedAttachType(AttachType.CGROUP_INET_SOCK_CREATE).build())) {
            try (ProgAttachment a = ProgAttachment.attachToCgroup(prog, cg, AttachType.CGROUP_INET_SOCK_CREATE,
                    ProgAttachment.BPF_F_ALLOW_MULTI)) {
                assertEquals(AttachType.CGROUP_INET_SOCK_CREATE, a.attachType());
                socketsInCgroup(cg, 2);
                assertEquals(2, TestPrograms.read(hits));
            }
            socketsInCgroup(cg, 2);
            assertEquals(2, TestPrograms.read(hits), "BPF_PROG_DETACH on close");
        } finally {
            Files.delete(cg);
        }
    }
}
