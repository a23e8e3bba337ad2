package dev.bpflux.link;

import dev.bpflux.BpfException;
import dev.bpflux.BpfSyscallException;
import dev.bpflux.obj.elf.ElfFile;
import dev.bpflux.obj.elf.ElfSymbol;
import dev.bpflux.prog.BpfProgram;
import dev.bpflux.sys.Errno;
import dev.bpflux.sys.OwnedFd;
import dev.bpflux.sys.PerfEventAttr;
import dev.bpflux.sys.PerfEvents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * A {@code BPF_PROG_TYPE_KPROBE} program on a user-space function's entry (uprobe) or return
 * (uretprobe), through the uprobe PMU (4.17+): a perf event of the type in
 * {@code /sys/bus/event_source/devices/uprobe/type} with {@code config1} pointing at the binary's
 * path and {@code config2} the file offset of the instruction.
 *
 * <p>A symbol is turned into that file offset with the ELF reader: its {@code st_value} is a
 * virtual address, mapped back through the PT_LOAD segment that contains it.
 *
 * <p>Minimum kernel: 4.17 (uprobe PMU); the attach cookie needs 5.15.
 */
public final class UprobeLink extends PerfEventLink {
    static final Path PMU = Path.of("/sys/bus/event_source/devices/uprobe");
    /** Any process. */
    public static final int ALL_PROCESSES = -1;
    private static final int STT_GNU_IFUNC = 10;

    private final Path binary;
    private final long fileOffset;
    private final boolean returnProbe;

    private UprobeLink(Attached a, Path binary, long fileOffset, boolean returnProbe) {
        super(a.fd(), a.bpfLink(), a.alsoOwned());
        this.binary = binary;
        this.fileOffset = fileOffset;
        this.returnProbe = returnProbe;
    }

    /**
     * Attaches to function {@code symbol} of {@code binary} (an executable or shared library), in
     * process {@code pid} only or in all ({@link #ALL_PROCESSES}).
     */
    public static UprobeLink attach(BpfProgram prog, Path binary, String symbol, int pid, boolean returnProbe,
            long cookie) {
        return attach(prog, binary, symbolOffset(binary, symbol), pid, returnProbe, cookie);
    }

    /** Attaches at {@code fileOffset} of {@code binary}. */
    public static UprobeLink attach(BpfProgram prog, Path binary, long fileOffset, int pid, boolean returnProbe,
            long cookie) {
        if (!Files.isRegularFile(binary)) {
            throw new BpfException("cannot attach a uprobe: " + binary + " is not a file");
        }
        int type = KprobeLink.ProbePmu.type(PMU, "uprobe",
                "uprobes are compiled out of this kernel (CONFIG_UPROBE_EVENTS is not set): there is no uprobe PMU at "
                        + PMU);
        String what = (returnProbe ? "uretprobe " : "uprobe ") + binary + ":0x" + Long.toHexString(fileOffset)
                + (pid >= 0 ? " in pid " + pid : "");
        OwnedFd event;
        try (PerfEventAttr attr = new PerfEventAttr()) {
            attr.type(type).config1String(binary.toAbsolutePath().toString()).config2(fileOffset);
            if (returnProbe) {
                attr.config(1L << KprobeLink.ProbePmu.retprobeBit(PMU, "uprobe"));
            }
            try {
                // One process on any CPU, or every process (pid -1) through CPU 0's event.
                event = PerfEvents.open(prog.fd().calls(), attr, pid >= 0 ? pid : -1, pid >= 0 ? -1 : 0, -1, 0, what);
            } catch (BpfSyscallException e) {
                if (e.errno() == Errno.ESRCH) {
                    throw new BpfException("cannot attach " + what + ": no process " + pid, e);
                }
                throw e;
            }
        }
        try {
            return new UprobeLink(attachTo(prog, event, cookie), binary, fileOffset, returnProbe);
        } catch (RuntimeException e) {
            event.close();
            throw e;
        }
    }

    /** The file offset of function {@code symbol} in {@code binary}, for uprobes. */
    public static long symbolOffset(Path binary, String symbol) {
        ElfFile elf = ElfFile.read(binary);
        ElfSymbol sym = elf.symbol(symbol).orElseThrow(() -> new BpfException("cannot attach a uprobe: " + binary
                + " has no symbol '" + symbol + "' (in .symtab or .dynsym); is it stripped, or is the name wrong?"));
        if (sym.type() == STT_GNU_IFUNC) {
            throw new BpfException("cannot attach a uprobe to " + symbol + " in " + binary + ": it is an IFUNC "
                    + "resolver, not the implementation; attach by offset to the resolved function instead");
        }
        if (sym.value() == 0) {
            throw new BpfException("cannot attach a uprobe: symbol '" + symbol + "' in " + binary + " has no address");
        }
        OptionalLong off = elf.fileOffsetOf(sym.value());
        if (off.isEmpty()) {
            throw new BpfException("cannot attach a uprobe: the address 0x" + Long.toHexString(sym.value()) + " of '"
                    + symbol + "' lies in no loadable segment of " + binary);
        }
        return off.getAsLong();
    }

    public Path binary() {
        return binary;
    }

    public long fileOffset() {
        return fileOffset;
    }

    public boolean isReturnProbe() {
        return returnProbe;
    }
}
