package dev.bpflux.load;

import dev.bpflux.link.BpfLink;
import dev.bpflux.obj.ProgramSpec;
import dev.bpflux.obj.ProgramType;
import dev.bpflux.prog.BpfProgram;
import dev.bpflux.prog.ProgramInfo;
import dev.bpflux.sys.OwnedFd;

import java.nio.file.Path;

/**
 * A program of a loaded {@link BpfObject}. Its descriptor belongs to the object: closing the object
 * closes it, and the links {@link #attach()} made that are still open.
 */
public final class ObjectProgram {
    private final BpfObject owner;
    private final ProgramSpec spec;
    private final BpfProgram program;
    private final int insnCount;

    ObjectProgram(BpfObject owner, ProgramSpec spec, BpfProgram program, int insnCount) {
        this.owner = owner;
        this.spec = spec;
        this.program = program;
        this.insnCount = insnCount;
    }

    /** The program's function name. */
    public String name() {
        return spec.name();
    }

    public ProgramSpec spec() {
        return spec;
    }

    public String sectionName() {
        return spec.sectionName();
    }

    public ProgramType type() {
        return spec.type();
    }

    /** The live program (native layer); owned by the object, do not close it yourself. */
    public BpfProgram program() {
        return program;
    }

    public OwnedFd fd() {
        return program.fd();
    }

    /** The kernel's id of this program. */
    public int id() {
        return info().id();
    }

    public ProgramInfo info() {
        return program.info();
    }

    /** Instructions passed to BPF_PROG_LOAD (the entry function plus appended subprograms). */
    public int instructionCount() {
        return insnCount;
    }

    /** The verifier log of the load; empty unless {@link LoadOptions#withLogLevel} asked for one. */
    public String verifierLog() {
        return program.verifierLog();
    }

    /** Pins the program at {@code path} in bpffs; reopen it with {@link BpfProgram#openPinned(Path)}. */
    public void pin(Path path) {
        program.pin(path);
    }

    /**
     * Attaches the program where its section name says: {@code tp/<category>/<name>},
     * {@code raw_tp/<name>}, {@code tp_btf/<name>}, {@code fentry|fexit|fmod_ret/<function>},
     * {@code lsm/<hook>}, {@code kprobe|kretprobe/<function>[+offset]}, {@code ksyscall|kretsyscall/<name>},
     * {@code uprobe|uretprobe/<binary>:<symbol>}. XDP, tc and cgroup programs need
     * {@link #attach(AttachOptions)} with the interface or cgroup.
     *
     * <p>The link is the caller's to close; {@link BpfObject#close()} closes any still open.
     */
    public BpfLink attach() {
        return attach(AttachOptions.defaults());
    }

    public BpfLink attach(AttachOptions options) {
        owner.checkOpen();
        BpfLink link = SectionAttacher.attach(this, options);
        owner.track(link);
        return link;
    }

    @Override
    public String toString() {
        return "ObjectProgram[" + spec.name() + " (" + spec.sectionName() + ")]";
    }
}
