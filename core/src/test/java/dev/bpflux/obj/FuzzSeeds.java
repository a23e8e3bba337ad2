package dev.bpflux.obj;

import dev.bpflux.BpfObjectException;
import dev.bpflux.obj.btf.Btf;
import dev.bpflux.obj.btf.BtfExt;
import dev.bpflux.obj.elf.ElfFile;
import dev.bpflux.obj.elf.ElfSection;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Seeds for {@link ParserFuzzTest} made from the committed clang-built objects (every
 * {@code src/test/bpf/**}{@code /*.bpf.o}), written into Jazzer's generated corpus
 * ({@code .cifuzz-corpus/<class>/<target>/}) before a fuzzing run so that mutation starts from real
 * objects rather than from nothing. The Kconfig and kallsyms seeds are small committed text files in
 * the test's inputs directory instead.
 */
final class FuzzSeeds {
    private static final Path BPF_DIR = Path.of("src/test/bpf");
    private static List<Path> objects;
    private static List<Btf> btfs;
    private static List<CoreSubject> subjects;

    /** A program with CO-RE records, and the BTF those records refer to. */
    record CoreSubject(Btf btf, Instructions instructions, List<BtfExt.CoreRelocation> records) {
    }

    private FuzzSeeds() {
    }

    /** Whether Jazzer is fuzzing (rather than replaying saved inputs). */
    static boolean fuzzing() {
        String v = System.getenv("JAZZER_FUZZ");
        return v != null && !v.isEmpty() && !v.equals("0");
    }

    /** Every committed object that has BTF, sorted (the index is part of the btfExt input format). */
    static synchronized List<Path> objects() {
        if (objects == null) {
            try (Stream<Path> s = Files.walk(BPF_DIR)) {
                objects = s.filter(p -> p.toString().endsWith(".bpf.o")).sorted()
                        .filter(p -> ElfFile.read(p).section(".BTF").isPresent()).collect(Collectors.toList());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return objects;
    }

    /** The .BTF of each of {@link #objects()}, in that order. */
    static synchronized List<Btf> corpusBtfs() {
        if (btfs == null) {
            btfs = objects().stream().map(p -> Btf.parse(section(p, ".BTF"), p.toString()))
                    .collect(Collectors.toList());
        }
        return btfs;
    }

    /** Programs of the committed objects that carry CO-RE records. */
    static synchronized List<CoreSubject> coreSubjects() {
        if (subjects == null) {
            List<CoreSubject> out = new ArrayList<>();
            for (Path p : objects()) {
                BpfObjectSpec spec;
                try {
                    spec = BpfObjectSpec.read(p);
                } catch (BpfObjectException rejectedOnPurpose) {
                    continue;
                }
                for (ProgramSpec prog : spec.programs()) {
                    if (!prog.coreRelocations().isEmpty()) {
                        out.add(new CoreSubject(spec.btf().orElseThrow(), prog.instructions(), prog.coreRelocations()));
                    }
                }
            }
            subjects = List.copyOf(out);
        }
        return subjects;
    }

    /** The coreRelocation input: subject, record count, records, target BTF. */
    static byte[] coreInput(int subject, List<BtfExt.CoreRelocation> records, byte[] target) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(subject);
        int count = Math.min(records.size(), 8);
        out.write(count - 1);
        for (BtfExt.CoreRelocation r : records.subList(0, count)) {
            byte[] access = r.accessString().getBytes(StandardCharsets.ISO_8859_1);
            ByteBuffer b = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(r.insnIndex()).putInt(r.typeId()).put((byte) r.kind().ordinal()).put((byte) access.length);
            out.writeBytes(b.array());
            out.writeBytes(access);
        }
        out.writeBytes(target);
        return out.toByteArray();
    }

    /** Writes the seeds of every target whose generated corpus directory is still empty. */
    static void writeAll(Class<?> fuzzTest) {
        Path root = Path.of(".cifuzz-corpus", fuzzTest.getName());
        List<Path> objs = objects();
        seed(root.resolve("elfFile"), dir -> {
            for (Path p : objs) {
                Files.write(dir.resolve(p.getFileName()), stripped(p));
            }
        });
        seed(root.resolve("objectSpec"), dir -> {
            for (Path p : objs) {
                Files.write(dir.resolve(p.getFileName()), stripped(p));
            }
        });
        seed(root.resolve("btf"), dir -> {
            for (Path p : objs) {
                Files.write(dir.resolve(p.getFileName() + ".btf"), section(p, ".BTF"));
            }
        });
        seed(root.resolve("btfExt"), dir -> {
            for (int i = 0; i < objs.size(); i++) {
                byte[] ext = section(objs.get(i), ".BTF.ext");
                byte[] in = new byte[ext.length + 1];
                in[0] = (byte) i;
                System.arraycopy(ext, 0, in, 1, ext.length);
                Files.write(dir.resolve(objs.get(i).getFileName() + ".btf.ext"), in);
            }
        });
        seed(root.resolve("coreRelocation"), dir -> {
            // each subject against its own BTF and against one other object's (a few dozen seeds)
            List<CoreSubject> subs = coreSubjects();
            for (int s = 0; s < subs.size(); s++) {
                CoreSubject sub = subs.get(s);
                Path other = objs.get(s % objs.size());
                Files.write(dir.resolve("subject" + s + "-self"),
                        coreInput(s, sub.records(), bytes(sub.btf().rawBytes())));
                Files.write(dir.resolve("subject" + s + "-" + other.getFileName()),
                        coreInput(s, sub.records(), section(other, ".BTF")));
            }
        });
    }

    private interface Writer {
        void write(Path dir) throws IOException;
    }

    private static void seed(Path dir, Writer writer) {
        try {
            Files.createDirectories(dir);
            try (Stream<Path> s = Files.list(dir)) {
                if (s.findAny().isPresent()) {
                    return;
                }
            }
            writer.write(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    private static byte[] section(Path object, String name) {
        return ElfFile.read(object).section(name).map(ElfSection::bytes).orElse(new byte[0]);
    }

    /**
     * The object without DWARF (which bpflux never reads), so that mutations land on what it does read;
     * the object as committed when llvm-strip is not installed.
     */
    private static byte[] stripped(Path object) throws IOException {
        Path out = Files.createTempFile("bpflux-seed", ".o");
        try {
            Process p = new ProcessBuilder("llvm-strip", "--strip-debug", "-o", out.toString(), object.toString())
                    .redirectErrorStream(true).start();
            p.getInputStream().transferTo(OutputStream.nullOutputStream());
            if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return Files.readAllBytes(out);
            }
            p.destroyForcibly();
            return Files.readAllBytes(object);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Files.readAllBytes(object);
        } catch (IOException noStrip) {
            return Files.readAllBytes(object);
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
