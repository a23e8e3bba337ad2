package dev.bpflux.obj;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The committed clang-built test objects (paths relative to the core module, where Maven runs tests). */
public final class ObjectCorpus {
    public static final Path OBJ_DIR = Path.of("src/test/bpf/obj");
    public static final Path SEED_DIR = Path.of("src/test/bpf/seed");
    /** Objects that bpflux rejects on purpose. */
    public static final List<String> REJECTED = List.of("legacy_maps.bpf.o");

    private ObjectCorpus() {
    }

    public static Path obj(String name) {
        return OBJ_DIR.resolve(name);
    }

    public static Path seed(String name) {
        return SEED_DIR.resolve(name);
    }

    /** Every committed object, accepted and rejected. */
    public static List<Path> all() {
        return Stream.concat(list(OBJ_DIR).stream(), list(SEED_DIR).stream()).collect(Collectors.toList());
    }

    /** Objects bpflux accepts. */
    public static List<Path> accepted() {
        return all().stream().filter(p -> !REJECTED.contains(p.getFileName().toString()))
                .collect(Collectors.toList());
    }

    private static List<Path> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".bpf.o")).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
