package dev.bpflux.samples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs a main class of this test class path in a child JVM without any capability (util-linux
 * {@code setpriv}: empty bounding, inheritable and ambient sets, SECBIT_NOROOT), so that a test run
 * as root sees what an unprivileged user sees: bpf(2) and perf_event_open(2) decide by capability.
 */
public final class UnprivilegedJvm implements AutoCloseable {
    private final Path dir;
    private final String classPath;

    public record Result(int exit, String out, String err) {
    }

    public UnprivilegedJvm() {
        try {
            dir = Files.createTempDirectory("bpflux-unprivileged-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        classPath = System.getProperty("java.class.path");
    }

    /** A copy of {@code file} in this JVM's own directory (e.g. an object from the source tree). */
    public Path share(Path file) throws IOException {
        Path to = dir.resolve("shared-" + file.getFileName());
        Files.copy(file, to);
        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-r--r--"));
        return to;
    }

    /** Runs {@code mainClass} with {@code args} without any capability; fails after 120 s. */
    public Result run(String mainClass, String... args) throws IOException, InterruptedException {
        // util-linux's setpriv (busybox's, first on the kernel matrix guests' PATH, has none of these options):
        // uid 0 kept, every capability gone for good (SECBIT_NOROOT: exec grants root none). bpf(2) and
        // perf_event_open(2) check capabilities, not uids, so this is what an unprivileged user meets,
        // while the JRE stays readable where it is (a guest's JRE lives under root's 0700 home).
        String setpriv = Files.isExecutable(Path.of("/usr/bin/setpriv")) ? "/usr/bin/setpriv" : "setpriv";
        List<String> cmd = new ArrayList<>(List.of(setpriv, "--securebits=+noroot,+noroot_locked",
                "--bounding-set=-all", "--inh-caps=-all", "--ambient-caps=-all",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classPath, mainClass));
        cmd.addAll(List.of(args));
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(mainClass + " without capabilities did not end within 120 s");
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
