package dev.bpflux.prog;

import dev.bpflux.obj.ProgramType;
import dev.bpflux.obj.AttachType;

import java.util.Objects;

/**
 * Everything BPF_PROG_LOAD needs for one program. Immutable (arrays are copied in and out);
 * build with {@link #builder(ProgramType, byte[])}.
 *
 * <p>The name is sanitized like map names (15 bytes of {@code [A-Za-z0-9_.]}). The license
 * defaults to {@code "GPL"}, which GPL-only helpers require; the loader passes the object's own.
 */
public final class ProgramLoadRequest {
    /** Program flags ({@code prog_flags}) from linux/bpf.h. */
    public static final int BPF_F_STRICT_ALIGNMENT = 1;
    public static final int BPF_F_ANY_ALIGNMENT = 1 << 1;
    public static final int BPF_F_TEST_RND_HI32 = 1 << 2;
    public static final int BPF_F_TEST_STATE_FREQ = 1 << 3;
    /** fentry/fexit/lsm/uprobe programs that may sleep (5.10). */
    public static final int BPF_F_SLEEPABLE = 1 << 4;
    /** XDP programs that handle multi-buffer frames (5.18). */
    public static final int BPF_F_XDP_HAS_FRAGS = 1 << 5;

    private final ProgramType type;
    private final AttachType expectedAttachType;
    private final String name;
    private final byte[] instructions;
    private final String license;
    private final int kernelVersion;
    private final int flags;
    private final int attachBtfId;
    private final int attachBtfObjFd;
    private final int attachProgFd;
    private final int progBtfFd;
    private final byte[] funcInfo;
    private final int funcInfoRecSize;
    private final byte[] lineInfo;
    private final int lineInfoRecSize;
    private final int[] fdArray;
    private final int logLevel;
    private final int ifindex;

    private ProgramLoadRequest(Builder b) {
        this.type = Objects.requireNonNull(b.type, "type");
        this.expectedAttachType = b.expectedAttachType;
        this.name = sanitizeName(b.name);
        if (b.instructions.length == 0 || b.instructions.length % 8 != 0) {
            throw new IllegalArgumentException("program '" + name + "': instructions must be a non-empty multiple "
                    + "of 8 bytes, got " + b.instructions.length);
        }
        this.instructions = b.instructions.clone();
        this.license = b.license;
        this.kernelVersion = b.kernelVersion;
        this.flags = b.flags;
        this.attachBtfId = b.attachBtfId;
        this.attachBtfObjFd = b.attachBtfObjFd;
        this.attachProgFd = b.attachProgFd;
        this.progBtfFd = b.progBtfFd;
        this.funcInfo = b.funcInfo == null ? null : b.funcInfo.clone();
        this.funcInfoRecSize = b.funcInfoRecSize;
        this.lineInfo = b.lineInfo == null ? null : b.lineInfo.clone();
        this.lineInfoRecSize = b.lineInfoRecSize;
        this.fdArray = b.fdArray == null ? null : b.fdArray.clone();
        this.logLevel = b.logLevel;
        this.ifindex = b.ifindex;
        if (attachBtfObjFd != 0 && attachProgFd != 0) {
            throw new IllegalArgumentException("program '" + name + "': attach_btf_obj_fd and attach_prog_fd share "
                    + "one field; set only one");
        }
        if ((funcInfo != null && funcInfoRecSize <= 0) || (lineInfo != null && lineInfoRecSize <= 0)) {
            throw new IllegalArgumentException("program '" + name + "': func/line info needs a record size");
        }
    }

    /** A builder for a program of {@code type} made of raw 8-byte instructions. */
    public static Builder builder(ProgramType type, byte[] instructions) {
        return new Builder(type, instructions);
    }

    /** Truncates to 15 bytes and replaces characters the kernel refuses with '_'. */
    public static String sanitizeName(String name) {
        if (name == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < name.length() && sb.length() < 15; i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                    || c == '.';
            sb.append(ok ? c : '_');
        }
        return sb.toString();
    }

    public ProgramType type() { return type; }
    /** The expected attach type, or null when the program type needs none. */
    public AttachType expectedAttachType() { return expectedAttachType; }
    public String name() { return name; }
    public byte[] instructions() { return instructions.clone(); }
    public int instructionCount() { return instructions.length / 8; }
    public String license() { return license; }
    public int kernelVersion() { return kernelVersion; }
    public int flags() { return flags; }
    public int attachBtfId() { return attachBtfId; }
    public int attachBtfObjFd() { return attachBtfObjFd; }
    public int attachProgFd() { return attachProgFd; }
    public int progBtfFd() { return progBtfFd; }
    public byte[] funcInfo() { return funcInfo == null ? null : funcInfo.clone(); }
    public int funcInfoRecSize() { return funcInfoRecSize; }
    public byte[] lineInfo() { return lineInfo == null ? null : lineInfo.clone(); }
    public int lineInfoRecSize() { return lineInfoRecSize; }
    public int[] fdArray() { return fdArray == null ? null : fdArray.clone(); }
    /** Verifier log level for the first attempt: 0 loads without a log and asks for one only on failure. */
    public int logLevel() { return logLevel; }
    public int ifindex() { return ifindex; }

    /** A builder starting from this request. */
    public Builder toBuilder() {
        Builder b = new Builder(type, instructions);
        b.expectedAttachType = expectedAttachType;
        b.name = name;
        b.license = license;
        b.kernelVersion = kernelVersion;
        b.flags = flags;
        b.attachBtfId = attachBtfId;
        b.attachBtfObjFd = attachBtfObjFd;
        b.attachProgFd = attachProgFd;
        b.progBtfFd = progBtfFd;
        b.funcInfo = funcInfo;
        b.funcInfoRecSize = funcInfoRecSize;
        b.lineInfo = lineInfo;
        b.lineInfoRecSize = lineInfoRecSize;
        b.fdArray = fdArray;
        b.logLevel = logLevel;
        b.ifindex = ifindex;
        return b;
    }

    /** Mutable builder. */
    public static final class Builder {
        private final ProgramType type;
        private final byte[] instructions;
        private AttachType expectedAttachType;
        private String name = "";
        private String license = "GPL";
        private int kernelVersion;
        private int flags;
        private int attachBtfId;
        private int attachBtfObjFd;
        private int attachProgFd;
        private int progBtfFd;
        private byte[] funcInfo;
        private int funcInfoRecSize;
        private byte[] lineInfo;
        private int lineInfoRecSize;
        private int[] fdArray;
        private int logLevel;
        private int ifindex;

        private Builder(ProgramType type, byte[] instructions) {
            this.type = type;
            this.instructions = Objects.requireNonNull(instructions, "instructions");
        }

        public Builder expectedAttachType(AttachType v) { expectedAttachType = v; return this; }
        public Builder name(String v) { name = v; return this; }
        public Builder license(String v) { license = Objects.requireNonNull(v, "license"); return this; }
        /** LINUX_VERSION_CODE, checked by kprobe programs before 5.0 only. */
        public Builder kernelVersion(int v) { kernelVersion = v; return this; }
        public Builder flags(int v) { flags = v; return this; }
        public Builder attachBtfId(int v) { attachBtfId = v; return this; }
        public Builder attachBtfObjFd(int v) { attachBtfObjFd = v; return this; }
        public Builder attachProgFd(int v) { attachProgFd = v; return this; }
        public Builder progBtfFd(int v) { progBtfFd = v; return this; }
        public Builder funcInfo(byte[] records, int recSize) { funcInfo = records; funcInfoRecSize = recSize; return this; }
        public Builder lineInfo(byte[] records, int recSize) { lineInfo = records; lineInfoRecSize = recSize; return this; }
        /** Map/BTF fds that instructions reference by index (BPF_PSEUDO_MAP_IDX, kfunc module BTF; 5.14). */
        public Builder fdArray(int[] v) { fdArray = v; return this; }
        public Builder logLevel(int v) { logLevel = v; return this; }
        public Builder ifindex(int v) { ifindex = v; return this; }

        public ProgramLoadRequest build() {
            return new ProgramLoadRequest(this);
        }
    }
}
