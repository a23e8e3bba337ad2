package dev.bpflux.load;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link ObjectProgram#attach(AttachOptions)} needs beyond the section name: the uprobe's binary
 * and symbol, the network interface of XDP/tc programs, the cgroup of cgroup programs, a BPF cookie.
 * Immutable; each {@code with*} returns a changed copy.
 */
public final class AttachOptions {
    private static final AttachOptions DEFAULTS = new AttachOptions(null, 0L, null, null, -1, 0, null, 0, null);

    private final String target;
    private final long cookie;
    private final Path binary;
    private final String symbol;
    private final int pid;
    private final int ifindex;
    private final String ifname;
    private final int xdpFlags;
    private final Path cgroup;

    private AttachOptions(String target, long cookie, Path binary, String symbol, int pid, int ifindex, String ifname,
                          int xdpFlags, Path cgroup) {
        this.target = target;
        this.cookie = cookie;
        this.binary = binary;
        this.symbol = symbol;
        this.pid = pid;
        this.ifindex = ifindex;
        this.ifname = ifname;
        this.xdpFlags = xdpFlags;
        this.cgroup = cgroup;
    }

    public static AttachOptions defaults() {
        return DEFAULTS;
    }

    /** Attaches to {@code target} instead of the section name's (e.g. another tracepoint, kernel function). */
    public AttachOptions withTarget(String t) {
        return new AttachOptions(Objects.requireNonNull(t), cookie, binary, symbol, pid, ifindex, ifname, xdpFlags,
                cgroup);
    }

    /** The value {@code bpf_get_attach_cookie()} returns (5.15 for perf-event based, 6.0 tracing). */
    public AttachOptions withCookie(long c) {
        return new AttachOptions(target, c, binary, symbol, pid, ifindex, ifname, xdpFlags, cgroup);
    }

    /** The uprobe's binary (executable or shared library) and function symbol. */
    public AttachOptions withUprobe(Path bin, String sym) {
        return new AttachOptions(target, cookie, Objects.requireNonNull(bin), Objects.requireNonNull(sym), pid,
                ifindex, ifname, xdpFlags, cgroup);
    }

    /** Limits a uprobe to process {@code p} (default: every process). */
    public AttachOptions withPid(int p) {
        return new AttachOptions(target, cookie, binary, symbol, p, ifindex, ifname, xdpFlags, cgroup);
    }

    /** The network interface of XDP and tc programs, by index. */
    public AttachOptions withInterface(int index) {
        return new AttachOptions(target, cookie, binary, symbol, pid, index, null, xdpFlags, cgroup);
    }

    /** The network interface of XDP and tc programs, by name (e.g. {@code "lo"}). */
    public AttachOptions withInterface(String name) {
        return new AttachOptions(target, cookie, binary, symbol, pid, 0, Objects.requireNonNull(name), xdpFlags,
                cgroup);
    }

    /** XDP mode flags ({@code XdpLink.XDP_FLAGS_*}); 0 lets the kernel choose. */
    public AttachOptions withXdpFlags(int flags) {
        return new AttachOptions(target, cookie, binary, symbol, pid, ifindex, ifname, flags, cgroup);
    }

    /** The cgroup directory of cgroup programs, e.g. {@code /sys/fs/cgroup/my.slice}. */
    public AttachOptions withCgroup(Path dir) {
        return new AttachOptions(target, cookie, binary, symbol, pid, ifindex, ifname, xdpFlags,
                Objects.requireNonNull(dir));
    }

    public Optional<String> target() {
        return Optional.ofNullable(target);
    }

    public long cookie() {
        return cookie;
    }

    public Optional<Path> binary() {
        return Optional.ofNullable(binary);
    }

    public Optional<String> symbol() {
        return Optional.ofNullable(symbol);
    }

    public int pid() {
        return pid;
    }

    public int ifindex() {
        return ifindex;
    }

    public Optional<String> ifname() {
        return Optional.ofNullable(ifname);
    }

    public int xdpFlags() {
        return xdpFlags;
    }

    public Optional<Path> cgroup() {
        return Optional.ofNullable(cgroup);
    }
}
