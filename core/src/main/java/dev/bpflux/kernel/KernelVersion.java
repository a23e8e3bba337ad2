package dev.bpflux.kernel;

import dev.bpflux.BpfException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The running kernel's version as {@code KERNEL_VERSION(a, b, c) = a << 16 | b << 8 | min(c, 255)},
 * the value {@code LINUX_VERSION_CODE} has and that kprobe programs before 5.0 must carry.
 *
 * <p>The release string ({@code uname -r}) is not always the truth about the code base:
 * <ul>
 * <li>Ubuntu writes the upstream version it is based on into {@code /proc/version_signature},
 * e.g. {@code "Ubuntu 5.15.0-91.101-generic 5.15.131"}: the third field wins.</li>
 * <li>Debian keeps {@code uname -r} at the ABI name ({@code 6.1.0-27-amd64}) and puts the real
 * version into {@code uname -v}, e.g. {@code "#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1 (2025-11-09)"}:
 * the version after {@code "Debian "} wins.</li>
 * </ul>
 * (The same order libbpf's {@code get_kernel_version} uses.)
 *
 * @param major   the a of a.b.c
 * @param minor   the b
 * @param patch   the c, not clamped (the {@link #code()} clamps it to 255)
 * @param release the {@code uname -r} string it was derived from
 */
public record KernelVersion(int major, int minor, int patch, String release) implements Comparable<KernelVersion> {
    private static final Pattern TRIPLE = Pattern.compile("^(\\d+)\\.(\\d+)(?:\\.(\\d+))?");
    private static final Pattern DEBIAN = Pattern.compile("Debian (\\d+)\\.(\\d+)\\.(\\d+)");
    private static volatile KernelVersion current;

    /** The running kernel's version, read once. */
    public static KernelVersion current() {
        KernelVersion v = current;
        if (v == null) {
            try {
                String release = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
                String version = Files.readString(Path.of("/proc/sys/kernel/version")).strip();
                Path sig = Path.of("/proc/version_signature");
                String signature = Files.isReadable(sig) ? Files.readString(sig).strip() : null;
                v = detect(release, version, signature);
            } catch (IOException e) {
                throw new BpfException("cannot read the kernel release from /proc/sys/kernel: " + e.getMessage(), e);
            }
            current = v;
        }
        return v;
    }

    /**
     * The version from {@code uname -r} ({@code release}), {@code uname -v} ({@code version})
     * and the Ubuntu {@code /proc/version_signature} contents (null when absent).
     */
    public static KernelVersion detect(String release, String version, String ubuntuSignature) {
        if (ubuntuSignature != null) {
            String[] f = ubuntuSignature.trim().split("\\s+");
            if (f.length >= 3) {
                Matcher m = TRIPLE.matcher(f[2]);
                if (m.find() && m.group(3) != null) {
                    return of(m, release);
                }
            }
        }
        if (version != null) {
            Matcher m = DEBIAN.matcher(version);
            if (m.find()) {
                return new KernelVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                        Integer.parseInt(m.group(3)), release);
            }
        }
        return parse(release);
    }

    /** Parses a release such as {@code "6.18.44-fc-v669"} or {@code "5.4"}. */
    public static KernelVersion parse(String release) {
        Matcher m = TRIPLE.matcher(release.strip());
        if (!m.find()) {
            throw new BpfException("cannot parse kernel release '" + release + "': expected a.b[.c]");
        }
        return of(m, release.strip());
    }

    private static KernelVersion of(Matcher m, String release) {
        try {
            return new KernelVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                    m.group(3) == null ? 0 : Integer.parseInt(m.group(3)), release);
        } catch (NumberFormatException e) {
            throw new BpfException("kernel release '" + release + "' has an out-of-range number");
        }
    }

    /** {@code KERNEL_VERSION(major, minor, min(patch, 255))}. */
    public int code() {
        return code(major, minor, patch);
    }

    /** {@code KERNEL_VERSION(a, b, c)} with c clamped to 255 as the kernel's macro does since 4.9.256/4.14.x. */
    public static int code(int a, int b, int c) {
        return (a << 16) + (b << 8) + Math.min(c, 255);
    }

    /** Whether this kernel is at least {@code major.minor}. */
    public boolean atLeast(int major, int minor) {
        return this.major > major || (this.major == major && this.minor >= minor);
    }

    @Override
    public int compareTo(KernelVersion o) {
        return Integer.compare(code(), o.code());
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch;
    }
}
