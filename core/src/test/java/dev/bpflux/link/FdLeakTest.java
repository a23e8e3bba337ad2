package dev.bpflux.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.bpflux.BpfException;
import dev.bpflux.map.BpfMap;
import dev.bpflux.map.MapDefinition;
import dev.bpflux.obj.MapType;
import dev.bpflux.prog.BpfProgram;
import dev.bpflux.obj.Assembler;
import dev.bpflux.prog.ProgramLoadRequest;
import dev.bpflux.obj.ProgramType;
import dev.bpflux.testing.KernelTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every descriptor bpflux opens is closed: 1000 of each kind, successes and failures. */
@KernelTest
class FdLeakTest {
    static final int N = 1000;
    /** Each tracepoint detach waits for RCU grace periods (~300 ms on the dev VM): fewer links keep the test short. */
    static final int LINKS = 20;

    static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    @Test
    void mapsProgramsAndLinksReleaseTheirDescriptors() throws Exception {
        // Warm up class loading, JNA and the probes so their one-time descriptors are not counted.
        try (BpfMap m = TestPrograms.counter();
                BpfProgram p = BpfProgram.load(ProgramLoadRequest.builder(ProgramType.TRACEPOINT,
                        TestPrograms.countAll(m.fd().fd(), 0)).name("warm").build());
                TracepointLink l = TracepointLink.attach(p, "syscalls", "sys_enter_getppid")) {
            l.info();
        }
        assertThrows(BpfException.class, () -> BpfMap.create(MapDefinition.builder(MapType.HASH).keySize(0)
                .valueSize(8).maxEntries(1).build()));
        long before = openFds();
        long t0 = System.nanoTime();

        for (int i = 0; i < N; i++) {
            try (BpfMap m = BpfMap.create(MapDefinition.builder(MapType.HASH).keySize(4).valueSize(8).maxEntries(4)
                    .name("leak").build())) {
                m.info();
            }
        }
        assertEquals(before, openFds(), "maps");
        System.out.printf("%d maps created and closed in %d ms%n", N, (System.nanoTime() - t0) / 1_000_000);
        t0 = System.nanoTime();

        for (int i = 0; i < N; i++) {
            try (BpfProgram p = BpfProgram.load(ProgramLoadRequest.builder(ProgramType.SOCKET_FILTER,
                    Assembler.returnImm(0)).name("leak").build())) {
                p.info();
            }
        }
        assertEquals(before, openFds(), "programs");
        System.out.printf("%d programs loaded and closed in %d ms%n", N, (System.nanoTime() - t0) / 1_000_000);
        t0 = System.nanoTime();

        try (BpfMap m = TestPrograms.counter();
                BpfProgram p = BpfProgram.load(ProgramLoadRequest.builder(ProgramType.TRACEPOINT,
                        TestPrograms.countAll(m.fd().fd(), 0)).name("leak").build())) {
            long withProgram = openFds();
            for (int i = 0; i < LINKS; i++) {
                try (TracepointLink l = TracepointLink.attach(p, "syscalls", "sys_enter_getppid")) {
                    l.fd();
                }
                // failures must not leak either: unknown tracepoint, then a rejected program
                assertThrows(BpfException.class, () -> TracepointLink.attach(p, "syscalls", "sys_enter_nope"));
            }
            assertEquals(withProgram, openFds(), "links");
            System.out.printf("%d tracepoint links attached and closed in %d ms%n", LINKS,
                    (System.nanoTime() - t0) / 1_000_000);
            t0 = System.nanoTime();
        }
        for (int i = 0; i < N; i++) {
            assertThrows(BpfException.class, () -> BpfProgram.load(ProgramLoadRequest.builder(ProgramType.SOCKET_FILTER,
                    new Assembler().exit().toBytes()).name("bad").build()));
            assertThrows(BpfException.class, () -> BpfMap.create(MapDefinition.builder(MapType.HASH).keySize(0)
                    .valueSize(8).maxEntries(1).build()));
        }
        assertEquals(before, openFds(), "failed creations");
        System.out.printf("%d failed loads and creates in %d ms%n", N, (System.nanoTime() - t0) / 1_000_000);
    }
}
