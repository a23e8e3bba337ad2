package dev.bpflux.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.link.BpfLink;
import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.sys.Errno;
import dev.bpflux.testing.FaultInjectingSystemCalls;
import dev.bpflux.testing.KernelTest;
import dev.bpflux.testing.ResourceSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fails each system call of a load, attach and pin of a real object in turn (the N-th call, N = 1, 2, ...
 * until a run hits no fault), with each errno a caller may meet, and checks every time that the error
 * names the failed call and its errno (EINTR: that the run succeeds) and that nothing the failed run
 * made is left: descriptors, mappings, pins and the kernel's maps, programs, BTF and links.
 *
 * <p>Writes the outcome of every run to {@code target/fault-matrix-<object>-<errno>.md}.
 */
@KernelTest
@Tag("host-only") // hundreds of loads: about a minute here, 10-20 times that in an emulated guest
class FaultInjectionTest {
    private static final int MAX_CALLS = 3000;
    /**
     * How long the kernel may take to drop a map or BTF object after its last fd closed: a program's
     * maps are released only when the program is freed, after an RCU grace period and a work queue
     * (seen taking over 2 s on this loaded 2-CPU machine).
     */
    private static final long KERNEL_RELEASE_MILLIS = 15_000;
    private static final String SHORT_LOG = "0: R1 invalid mem access 'scalar'\nprocessed 1 insns";

    private Path pinRoot;

    @BeforeEach
    void pinRoot() throws IOException {
        pinRoot = Files.createTempDirectory(Path.of("/sys/fs/bpf"), "bpflux-fault-");
    }

    @AfterEach
    void removePins() throws IOException {
        deleteTree(pinRoot);
    }

    @ParameterizedTest
    @ValueSource(strings = {"maps", "globals"})
    void eintrIsRetriedAndNothingFails(String object) throws Exception {
        List<String> problems = sweep(object, n -> FaultInjectingSystemCalls.failing(n, Errno.EINTR), true);
        assertEquals(List.of(), problems);
    }

    @ParameterizedTest
    @ValueSource(strings = {"maps:EAGAIN", "maps:ENOMEM", "maps:EPERM", "maps:E2BIG", "maps:EEXIST",
            "globals:EAGAIN", "globals:ENOMEM", "globals:EPERM", "globals:E2BIG", "globals:EEXIST"})
    void eachFailedCallIsNamedAndLeavesNothing(String objectAndErrno) throws Exception {
        String[] p = objectAndErrno.split(":");
        int errno = FaultInjectingSystemCalls.errno(p[1]);
        List<String> problems = sweep(p[0], n -> FaultInjectingSystemCalls.failing(n, errno), false);
        assertEquals(List.of(), problems);
    }

    @ParameterizedTest
    @ValueSource(strings = {"maps", "globals"})
    void aVerifierRejectionShowsItsLogAndLeavesNothing(String object) throws Exception {
        List<String> problems = sweep(object, n -> FaultInjectingSystemCalls.verifierRejection(n, SHORT_LOG), false);
        assertEquals(List.of(), problems);
    }


    /** Runs the scenario with a fault at call 1, 2, ... until a run hits none; returns what went wrong. */
    private List<String> sweep(String object, IntFunction<FaultInjectingSystemCalls> doors, boolean mustSucceed)
            throws Exception {
        BpfObjectSpec spec = BpfObjectSpec.read(BpfObjectTest.CORPUS.resolve(object + ".bpf.o"));
        // Warm up the process-wide facts (kernel BTF, tracefs, probes of the real door) outside the count.
        Scenario warm = new Scenario(spec, FaultInjectingSystemCalls.failing(Integer.MAX_VALUE, Errno.EPERM));
        warm.run();
        clearPins();
        List<String> problems = new ArrayList<>();
        List<String> matrix = new ArrayList<>();
        String label = null;
        boolean verifierLog = false;
        for (int n = 1; n <= MAX_CALLS; n++) {
            FaultInjectingSystemCalls door = doors.apply(n);
            verifierLog = door.toString().contains("verifier log");
            label = verifierLog ? "verifier-log" : Errno.name(door.errno());
            ResourceSnapshot before = ResourceSnapshot.take(pinRoot);
            Scenario s = new Scenario(spec, door);
            RuntimeException error = s.run();
            clearPinsMadeBy(s);
            ResourceSnapshot after = ResourceSnapshot.take(pinRoot);
            if (!before.leaksIn(after).isEmpty()) {
                Thread.sleep(100); // a descriptor the JVM itself opened for a moment is no leak
                after = ResourceSnapshot.take(pinRoot);
            }
            String call = door.failedCall();
            String where = object + " #" + n + " " + call + " " + Errno.name(door.errno()) + " in " + door.failedPhase();
            for (String leak : before.leaksIn(after)) {
                problem(problems, where + ": left " + leak);
            }
            for (FaultInjectingSystemCalls.Created c : ResourceSnapshot.stillAlive(door.created(), KERNEL_RELEASE_MILLIS)) {
                problem(problems, where + ": kernel still holds " + c);
            }
            clearPins(); // so one leak does not cascade into every later run
            if (call == null) {
                if (error != null) {
                    problem(problems, object + " without a fault hit failed: " + error);
                }
                matrix.add("| (none, " + (n - 1) + " calls) | | | succeeds |");
                break;
            }
            String outcome;
            if (error == null) {
                outcome = "succeeds";
                if (!mustSucceed) {
                    outcome += " (absorbed)";
                }
            } else {
                String text = FaultInjectingSystemCalls.messages(error);
                outcome = FaultInjectingSystemCalls.summary(error);
                if (mustSucceed) {
                    problem(problems, where + ": failed although " + Errno.name(door.errno()) + " is to be retried: "
                            + text);
                } else if (verifierLog) {
                    // A rejection is the verifier's verdict, told as "loading program 'x'" with its log.
                    if (!text.contains(SHORT_LOG.split("\n")[0]) || !text.contains("loading program")) {
                        problem(problems, where + ": rejection does not show the verifier log: " + text);
                    }
                } else if (!text.contains(Errno.name(door.errno()))) {
                    problem(problems, where + ": error does not name " + Errno.name(door.errno()) + ": " + text);
                } else if (!text.contains(door.failedCallToken())) {
                    problem(problems, where + ": error does not name the call (" + door.failedCallToken() + "): "
                            + text);
                }
            }
            matrix.add("| " + call + " | " + Errno.name(door.errno()) + " | " + door.failedPhase() + " | "
                    + outcome + " |");
            if (n == MAX_CALLS) {
                problem(problems, object + ": still hitting faults after " + MAX_CALLS + " calls");
            }
        }
        writeMatrix(object, label, matrix);
        return problems;
    }

    private static void problem(List<String> problems, String p) {
        System.err.println("FAULT-PROBLEM " + p);
        problems.add(p);
    }

    private void writeMatrix(String object, String label, List<String> rows) throws IOException {
        Path out = Path.of("target", "fault-matrix-" + object + "-" + label + ".md");
        List<String> lines = new ArrayList<>();
        lines.add("| call | errno | phase | outcome |");
        lines.add("|---|---|---|---|");
        lines.addAll(rows);
        Files.write(out, lines);
    }

    /** Load (pinning by-name maps), attach the first program, pin every program, map and the link. */
    private final class Scenario {
        final BpfObjectSpec spec;
        final String object;
        final FaultInjectingSystemCalls door;
        boolean loaded;
        boolean pinnedAll;
        boolean pinnedLink;

        Scenario(BpfObjectSpec spec, FaultInjectingSystemCalls door) {
            this.spec = spec;
            this.object = ObjectLoader.objectName(spec.name());
            this.door = door;
        }

        RuntimeException run() {
            LoadOptions opts = LoadOptions.defaults().withVariable("target_tgid", Trigger.tgid())
                    .withPinDirectory(pinRoot).withSystemCalls(door);
            door.phase("load");
            try (BpfObject o = BpfObject.load(spec, opts)) {
                loaded = true;
                door.phase("attach");
                try (BpfLink link = o.program(object.equals("maps") ? "exercise_maps" : "copy_config").attach()) {
                    door.phase("pin");
                    o.pinAll(pinRoot.resolve("all"));
                    pinnedAll = true;
                    link.pin(pinRoot.resolve("link"));
                    pinnedLink = true;
                }
                return null;
            } catch (RuntimeException e) {
                return e;
            }
        }
    }

    /** Removes the pins a run made on purpose, so that only those a failure left behind remain. */
    private void clearPinsMadeBy(Scenario s) throws IOException {
        if (s.loaded) {
            Files.deleteIfExists(pinRoot.resolve("bpflux_pinned"));
        }
        if (s.pinnedAll) {
            deleteTree(pinRoot.resolve("all"));
        }
        if (s.pinnedLink) {
            Files.deleteIfExists(pinRoot.resolve("link"));
        }
    }

    private void clearPins() throws IOException {
        try (Stream<Path> s = Files.list(pinRoot)) {
            for (Path p : s.toList()) {
                deleteTree(p);
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
        assertTrue(!Files.exists(root));
    }
}
