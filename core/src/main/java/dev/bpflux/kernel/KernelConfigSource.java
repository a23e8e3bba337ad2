package dev.bpflux.kernel;

import dev.bpflux.BpfException;
import dev.bpflux.obj.extern.KernelConfig;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Where the kernel configuration for {@code __kconfig} externs comes from. Immutable; each
 * {@code with...} returns a new source.
 *
 * <p>{@link #system()} searches {@code /proc/config.gz} (CONFIG_IKCONFIG_PROC), then
 * {@code /boot/config-$(uname -r)}. Debian kernels have no {@code /proc/config.gz} and containers usually
 * lack {@code /boot}, so the user can point at a file ({@link #withFile}, replacing the search) and supply
 * values that take precedence over the kernel's ({@link #withValues}). Files may be gzip-compressed or
 * plain text. {@link #read()} records every place it looked, for messages.
 *
 * <p>(libbpf 1.1 tries {@code /boot/config-<release>} first and {@code /proc/config.gz} second; the two
 * describe the same kernel when both exist, and the in-kernel copy cannot be stale.)
 */
public final class KernelConfigSource {
    private static final Path PROC_CONFIG = Path.of("/proc/config.gz");

    private final List<Path> places;
    private final boolean userFile;
    private final Map<String, String> values;

    private KernelConfigSource(List<Path> places, boolean userFile, Map<String, String> values) {
        this.places = List.copyOf(places);
        this.userFile = userFile;
        this.values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** The running kernel's config: {@code /proc/config.gz}, else {@code /boot/config-<release>}. */
    public static KernelConfigSource system() {
        return searching(List.of(PROC_CONFIG, Path.of("/boot/config-" + release())));
    }

    /** The first readable of {@code places} (tests, unusual layouts). */
    public static KernelConfigSource searching(List<Path> places) {
        return new KernelConfigSource(places, false, Map.of());
    }

    /** Only user-supplied values; no file is read. */
    public static KernelConfigSource values(Map<String, String> values) {
        return new KernelConfigSource(List.of(), true, values);
    }

    /** This source reading {@code file} instead of searching the system places. */
    public KernelConfigSource withFile(Path file) {
        return new KernelConfigSource(List.of(file), true, values);
    }

    /**
     * This source with {@code overrides} ({@code CONFIG_NAME} to value text as in a config file:
     * {@code y}, {@code m}, {@code 250}, {@code "text"}) taking precedence over the file's values.
     */
    public KernelConfigSource withValues(Map<String, String> overrides) {
        for (String k : overrides.keySet()) {
            if (!k.startsWith("CONFIG_")) {
                throw new IllegalArgumentException("kernel config option '" + k + "' must start with CONFIG_");
            }
        }
        Map<String, String> merged = new LinkedHashMap<>(values);
        merged.putAll(overrides);
        return new KernelConfigSource(places, userFile, merged);
    }

    /** The places searched, in order. */
    public List<Path> places() {
        return places;
    }

    /**
     * Reads the configuration: the first place that exists, with the user values on top. A place that
     * exists but cannot be read or parsed is an error (a silently ignored config would give wrong values).
     * No place found: {@link KernelConfig#absent} (with the user values, if any, as the only source).
     */
    public KernelConfig read() {
        List<String> searched = new ArrayList<>();
        KernelConfig found = null;
        for (Path p : places) {
            searched.add(p.toString());
            String text;
            try {
                text = readText(p);
            } catch (NoSuchFileException e) {
                continue;
            } catch (IOException e) {
                if (!Files.exists(p)) {
                    continue;
                }
                throw new BpfException("cannot read kernel config " + p + ": " + e.getMessage()
                        + (userFile ? "" : "; point the load options at a readable config file"), e);
            }
            KernelConfig c = KernelConfig.parse(text, p.toString());
            found = new KernelConfig(c.values(), c.source(), searched);
            break;
        }
        if (found == null) {
            found = KernelConfig.absent(searched);
        }
        if (!values.isEmpty()) {
            found = found.withOverrides(values, "values supplied in the load options");
        }
        return found;
    }

    /** A kernel config is ~300 KB (gzip'd ~60 KB); anything past this is not one (or a gzip bomb). */
    static final int MAX_CONFIG_BYTES = 16 << 20;

    static String readText(Path p) throws IOException {
        // A FIFO would block the open, a device never end: only regular files (/proc/config.gz is one).
        if (!Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class).isRegularFile()) {
            throw new IOException(p + " is not a regular file; a kernel config is read from a regular file");
        }
        try (InputStream raw = Files.newInputStream(p)) {
            InputStream in = new java.io.BufferedInputStream(raw, 1 << 16);
            in.mark(2);
            int b0 = in.read();
            int b1 = in.read();
            in.reset();
            if (b0 == 0x1f && b1 == 0x8b) {
                in = new GZIPInputStream(in, 1 << 16);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 18);
            byte[] chunk = new byte[1 << 16];
            for (int n; (n = in.read(chunk)) > 0; ) {
                if (out.size() + n > MAX_CONFIG_BYTES) {
                    throw new IOException(p + " holds more than " + (MAX_CONFIG_BYTES >> 20)
                            + " MiB of text (decompressed); that is not a kernel config");
                }
                out.write(chunk, 0, n);
            }
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    private static String release() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        } catch (IOException e) {
            return KernelVersion.current().release();
        }
    }

    @Override
    public String toString() {
        return "KernelConfigSource" + places + (values.isEmpty() ? "" : " + " + values.size() + " values");
    }
}
