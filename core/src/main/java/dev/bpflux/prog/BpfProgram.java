package dev.bpflux.prog;

import dev.bpflux.sys.Memlock;
import dev.bpflux.obj.ProgramType;
import dev.bpflux.obj.AttachType;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.bpflux.BpfNotSupportedException;
import dev.bpflux.BpfPermissionException;
import dev.bpflux.BpfVerifierException;
import dev.bpflux.kernel.FeatureProbes;
import dev.bpflux.sys.Bpf;
import dev.bpflux.sys.BpfAttr;
import dev.bpflux.sys.BpfCommand;
import dev.bpflux.sys.BpfFilesystem;
import dev.bpflux.sys.Capabilities;
import dev.bpflux.sys.Errno;
import dev.bpflux.sys.OwnedFd;
import dev.bpflux.sys.SyscallErrors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A program loaded into the kernel, owning its descriptor.
 *
 * <p>{@link #load(ProgramLoadRequest)} first loads without a verifier log (cheaper); only when
 * that fails does it load again with a log, growing the buffer from 64 KiB up to 16 MiB while
 * the kernel reports ENOSPC, and raise {@link BpfVerifierException} with the whole log.
 */
public final class BpfProgram implements AutoCloseable {
    static final int INITIAL_LOG_SIZE = 64 * 1024;
    static final int MAX_LOG_SIZE = 16 * 1024 * 1024;
    private static final int EAGAIN_RETRIES = 5;

    private final OwnedFd fd;
    private final String name;
    private final int typeNumber;
    private final AttachType expectedAttachType;
    private final String verifierLog;

    private BpfProgram(OwnedFd fd, String name, int typeNumber, AttachType expectedAttachType, String verifierLog) {
        this.fd = fd;
        this.name = name;
        this.typeNumber = typeNumber;
        this.expectedAttachType = expectedAttachType;
        this.verifierLog = verifierLog;
    }

    /** Loads a program; see the class comment for how failures are reported. */
    public static BpfProgram load(ProgramLoadRequest req) {
        return load(Bpf.system(), req);
    }

    /** As {@link #load(ProgramLoadRequest)} through {@code bpf}'s door, which the program keeps. */
    public static BpfProgram load(Bpf bpf, ProgramLoadRequest req) {
        Memlock.raiseOnceForOldKernels(); // programs are charged to RLIMIT_MEMLOCK before 5.11
        List<Memory> buffers = new ArrayList<>();
        try (BpfAttr.ProgLoad attr = new BpfAttr.ProgLoad()) {
            byte[] insns = req.instructions();
            attr.progType(req.type().value()).insns(copy(buffers, insns), insns.length / 8).license(req.license())
                    .kernVersion(req.kernelVersion()).progFlags(req.flags()).progName(req.name())
                    .progIfindex(req.ifindex()).progBtfFd(req.progBtfFd()).attachBtfId(req.attachBtfId());
            if (req.expectedAttachType() != null) {
                attr.expectedAttachType(req.expectedAttachType().value());
            }
            if (req.attachProgFd() != 0) {
                attr.attachProgFd(req.attachProgFd());
            } else if (req.attachBtfObjFd() != 0) {
                attr.attachBtfObjFd(req.attachBtfObjFd());
            }
            if (req.funcInfo() != null) {
                byte[] fi = req.funcInfo();
                attr.funcInfo(copy(buffers, fi), req.funcInfoRecSize(), fi.length / req.funcInfoRecSize());
            }
            if (req.lineInfo() != null) {
                byte[] li = req.lineInfo();
                attr.lineInfo(copy(buffers, li), req.lineInfoRecSize(), li.length / req.lineInfoRecSize());
            }
            if (req.fdArray() != null && req.fdArray().length > 0) {
                int[] fds = req.fdArray();
                Memory m = new Memory(4L * fds.length);
                buffers.add(m);
                m.write(0, fds, 0, fds.length);
                attr.fdArray(m);
            }

            String what = "program '" + req.name() + "'";
            int errno;
            if (req.logLevel() == 0) {
                int r = attempt(bpf, attr);
                if (r >= 0) {
                    return new BpfProgram(OwnedFd.adopt(r, what, bpf.calls()), req.name(), req.type().value(),
                            req.expectedAttachType(), "");
                }
                errno = -r;
            }
            // Load again with a log; grow it while the kernel says it did not fit.
            int level = Math.max(1, req.logLevel());
            int size = INITIAL_LOG_SIZE;
            while (true) {
                try (Memory log = new Memory(size)) {
                    log.setByte(0, (byte) 0);
                    attr.log(log, size, level);
                    int r = attempt(bpf, attr);
                    String text = cString(log, size);
                    if (r >= 0) {
                        return new BpfProgram(OwnedFd.adopt(r, what, bpf.calls()), req.name(), req.type().value(),
                                req.expectedAttachType(), text);
                    }
                    errno = -r;
                    if (errno == Errno.ENOSPC && size < MAX_LOG_SIZE) {
                        int wanted = attr.logTrueSize();
                        size = (int) Math.min(MAX_LOG_SIZE, Math.max((long) size * 4, wanted + 1L));
                        continue;
                    }
                    attr.log(null, 0, 0);
                    throw failure(bpf, req, errno, text);
                }
            }
        } finally {
            buffers.forEach(Memory::close);
        }
    }

    private static int attempt(Bpf bpf, BpfAttr.ProgLoad attr) {
        int r = bpf.tryCall(attr);
        // The verifier gives up with EAGAIN when a signal is pending; libbpf-style bounded retry.
        for (int i = 0; r == -Errno.EAGAIN && i < EAGAIN_RETRIES; i++) {
            r = bpf.tryCall(attr);
        }
        return r;
    }

    private static RuntimeException failure(Bpf bpf, ProgramLoadRequest req, int errno, String log) {
        String op = "BPF_PROG_LOAD of " + req.type().kernelName() + " program '" + req.name() + "'";
        if (log.isBlank()) {
            if (errno == Errno.EPERM && usesTrampoline(req) && Capabilities.hasBpfPrivileges()) {
                // Privileged and still EPERM before verification: the kernel will not build a BPF
                // trampoline for this program (seen on hardened/virtualized kernels).
                return new BpfNotSupportedException("BPF trampolines (fentry/fexit/fmod_ret/lsm)",
                        "the kernel refused " + op + " with EPERM and no verifier log although this process has "
                                + "CAP_SYS_ADMIN or CAP_BPF+CAP_PERFMON; this kernel does not allow BPF trampolines "
                                + "(x86_64/arm64 JIT with CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS, 5.5+, and no "
                                + "policy forbidding them); use tp_btf or raw tracepoints instead",
                        SyscallErrors.plain(op, errno, null));
            }
            if (errno == Errno.EPERM) {
                return new BpfPermissionException(op, errno, Errno.name(errno), Errno.describe(errno),
                        SyscallErrors.permissionHint());
            }
            if (errno == Errno.EINVAL && !FeatureProbes.of(bpf).programType(req.type())) {
                return new BpfNotSupportedException(req.type().kernelName(), "program type " + req.type().kernelName()
                        + " needs Linux " + req.type().since() + " or later", SyscallErrors.plain(op, errno, null));
            }
            String hint = switch (errno) {
                // Before verification E2BIG is the instruction count (BPF_COMPLEXITY_LIMIT_INSNS) or a load
                // attribute over its size limit (func_info, line_info): sizes, not the kernel's age.
                case Errno.E2BIG -> "a size is over the kernel's limit: the program has " + req.instructionCount()
                        + " instructions (at most 1,000,000 are accepted, 4,096 without CAP_BPF), or its func or"
                        + " line info records are too large";
                case Errno.EINVAL -> "the kernel refused the load attributes (program type, expected attach type, "
                        + "flags, attach BTF id or license) before verification";
                default -> null;
            };
            return SyscallErrors.exception(op, errno, hint);
        }
        return new BpfVerifierException(req.name(), errno, Errno.name(errno), log);
    }

    private static boolean usesTrampoline(ProgramLoadRequest req) {
        AttachType t = req.expectedAttachType();
        return req.type() == ProgramType.LSM || req.type() == ProgramType.EXT
                || (req.type() == ProgramType.TRACING && (t == AttachType.TRACE_FENTRY || t == AttachType.TRACE_FEXIT
                        || t == AttachType.MODIFY_RETURN));
    }

    private static Memory copy(List<Memory> owner, byte[] bytes) {
        Memory m = new Memory(Math.max(1, bytes.length));
        owner.add(m);
        m.write(0, bytes, 0, bytes.length);
        return m;
    }

    private static String cString(Pointer p, int max) {
        byte[] b = p.getByteArray(0, max);
        int n = 0;
        while (n < max && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    /** Takes ownership of a program descriptor, reading its name and type from the kernel. */
    public static BpfProgram fromFd(OwnedFd fd) {
        ProgramInfo info;
        try {
            info = info(fd);
        } catch (RuntimeException e) {
            fd.close();
            throw e;
        }
        return new BpfProgram(fd.transfer("program '" + info.name() + "'"), info.name(), info.typeNumber(), null, "");
    }

    /** Opens a program pinned at {@code path} in bpffs (BPF_OBJ_GET, 4.4). */
    public static BpfProgram openPinned(Path path) {
        return openPinned(Bpf.system(), path);
    }

    /** As {@link #openPinned(Path)} through {@code bpf}'s door. */
    public static BpfProgram openPinned(Bpf bpf, Path path) {
        try (BpfAttr.Obj attr = new BpfAttr.Obj(BpfCommand.BPF_OBJ_GET)) {
            attr.pathname(path.toString());
            return fromFd(bpf.callForFd(attr, "program pinned at " + path,
                    "is " + path + " a program pinned in a mounted bpffs (/sys/fs/bpf)?"));
        }
    }

    /** Opens the program with kernel id {@code id} (BPF_PROG_GET_FD_BY_ID, 4.13). */
    public static BpfProgram fromId(int id) {
        return fromId(Bpf.system(), id);
    }

    /** As {@link #fromId(int)} through {@code bpf}'s door. */
    public static BpfProgram fromId(Bpf bpf, int id) {
        try (BpfAttr.GetFdById attr = new BpfAttr.GetFdById(BpfCommand.BPF_PROG_GET_FD_BY_ID)) {
            attr.id(id);
            return fromFd(bpf.callForFd(attr, "program id " + id, null));
        }
    }

    public OwnedFd fd() {
        return fd;
    }

    public String name() {
        return name;
    }

    /** The program type, or null for a type newer than bpflux knows. */
    public ProgramType type() {
        return ProgramType.of(typeNumber);
    }

    /** The expected attach type it was loaded with, or null (unknown for programs opened by pin or id). */
    public AttachType expectedAttachType() {
        return expectedAttachType;
    }

    /** The verifier log of a successful load when a log level was requested; otherwise empty. */
    public String verifierLog() {
        return verifierLog;
    }

    /** The kernel's view of this program, including the ids of the maps it uses. */
    public ProgramInfo info() {
        return info(fd);
    }

    static ProgramInfo info(OwnedFd fd) {
        Bpf bpf = Bpf.of(fd);
        try (Memory m = new Memory(ProgramInfo.SIZE); BpfAttr.InfoByFd attr = new BpfAttr.InfoByFd()) {
            m.clear();
            attr.bpfFd(fd.fd()).info(m, ProgramInfo.SIZE);
            bpf.call(attr, "is " + fd.what() + " a program?");
            int nrMaps = m.getInt(52);
            int[] mapIds = new int[0];
            if (nrMaps > 0) {
                try (Memory ids = new Memory(4L * nrMaps)) {
                    int got = Math.min(nrMaps, infoArray(fd, 52, nrMaps, 56, ids));
                    mapIds = ids.getIntArray(0, got);
                }
            }
            return ProgramInfo.parse(m.getByteArray(0, ProgramInfo.SIZE), mapIds);
        }
    }

    /**
     * The instructions as the kernel holds them after verification and rewriting
     * ({@code xlated_prog_insns} of BPF_OBJ_GET_INFO_BY_FD, what {@code bpftool prog dump xlated}
     * prints): map references read as map ids. Empty without CAP_SYS_ADMIN-level rights
     * (the kernel then reports no instructions).
     */
    public byte[] xlatedInstructions() {
        int length = info().xlatedLength();
        if (length <= 0) {
            return new byte[0];
        }
        try (Memory insns = new Memory(length)) {
            return insns.getByteArray(0, Math.min(length, infoArray(fd, 20, length, 32, insns)));
        }
    }

    /**
     * A second BPF_OBJ_GET_INFO_BY_FD asking for one array of {@code struct bpf_prog_info} alone
     * (every other pointer field zero): its count ({@code u32} at {@code countOffset}, set to
     * {@code count}) and its pointer ({@code u64} at {@code pointerOffset}, to {@code target});
     * returns the count the kernel reports back.
     */
    private static int infoArray(OwnedFd fd, int countOffset, int count, int pointerOffset, Memory target) {
        try (Memory m = new Memory(ProgramInfo.SIZE); BpfAttr.InfoByFd attr = new BpfAttr.InfoByFd()) {
            m.clear();
            m.setInt(countOffset, count);
            m.setLong(pointerOffset, Pointer.nativeValue(target));
            attr.bpfFd(fd.fd()).info(m, ProgramInfo.SIZE);
            Bpf.of(fd).call(attr);
            return m.getInt(countOffset);
        }
    }

    /** Pins the program at {@code path} in bpffs (BPF_OBJ_PIN, 4.4). */
    public void pin(Path path) {
        BpfFilesystem.pin(Bpf.of(fd), fd, path);
    }

    /** Keeps {@code mapFd} alive as long as this program (BPF_PROG_BIND_MAP, 5.10), e.g. for .rodata read only by user space. */
    public void bindMap(OwnedFd mapFd) {
        try (BpfAttr.ProgBindMap attr = new BpfAttr.ProgBindMap()) {
            attr.progFd(fd.fd()).mapFd(mapFd.fd());
            Bpf.of(fd).call(attr);
        }
    }

    /**
     * Runs the program once per repetition on {@code data} (BPF_PROG_TEST_RUN, 4.12; XDP, tc,
     * socket filter, raw_tp and others). {@code repeat} 0 means 1.
     */
    public TestRunResult testRun(byte[] data, int repeat) {
        int outSize = data.length + 4096; // room for XDP head/tail adjustments
        while (true) {
            try (Memory in = new Memory(Math.max(1, data.length)); Memory out = new Memory(outSize);
                    BpfAttr.ProgTestRun attr = new BpfAttr.ProgTestRun()) {
                in.write(0, data, 0, data.length);
                attr.progFd(fd.fd()).dataIn(data.length == 0 ? null : in, data.length).dataOut(out, outSize)
                        .repeat(repeat);
                int r = Bpf.of(fd).tryCall(attr);
                if (r == -Errno.ENOSPC && attr.dataSizeOut() > outSize && outSize < (64 << 20)) {
                    outSize = attr.dataSizeOut();
                    continue;
                }
                if (r < 0) {
                    String hint = switch (-r) {
                        case Errno.ENOTSUPP, Errno.EOPNOTSUPP -> "program type " + typeNumber
                                + " cannot be test-run on this kernel";
                        case Errno.EINVAL -> "the input is invalid for this program type (XDP needs at least a "
                                + "14-byte Ethernet header)";
                        default -> null;
                    };
                    throw SyscallErrors.exception("BPF_PROG_TEST_RUN of " + fd.what(), -r, hint);
                }
                int n = Math.min(attr.dataSizeOut(), outSize);
                return new TestRunResult(attr.retval(), Integer.toUnsignedLong(attr.duration()),
                        out.getByteArray(0, n));
            }
        }
    }

    /** Closes this descriptor; the program stays loaded while links, pins or maps reference it. */
    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        ProgramType t = type();
        return fd.what() + " (" + (t == null ? "type " + typeNumber : t.kernelName()) + ")";
    }

}
