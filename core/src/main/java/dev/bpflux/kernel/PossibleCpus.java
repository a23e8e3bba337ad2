package dev.bpflux.kernel;

import dev.bpflux.BpfException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The CPUs the kernel could ever bring online, from {@code /sys/devices/system/cpu/possible}
 * (a mask such as {@code 0-3,8-11}). Per-CPU map values have one slot per possible CPU, in
 * ascending CPU id order, so this is what lays them out. Read once and cached.
 */
public final class PossibleCpus {
    private static final Path POSSIBLE = Path.of("/sys/devices/system/cpu/possible");
    private static volatile PossibleCpus system;

    private final int[] ids;

    private PossibleCpus(int[] ids) {
        this.ids = ids;
    }

    /** This machine's possible CPUs. */
    public static PossibleCpus system() {
        PossibleCpus p = system;
        if (p == null) {
            try {
                p = parse(Files.readString(POSSIBLE));
            } catch (IOException e) {
                throw new BpfException("cannot read " + POSSIBLE + " to size per-CPU values: " + e.getMessage(), e);
            }
            system = p;
        }
        return p;
    }

    /** Parses a CPU list such as {@code "0-3,8-11\n"}, {@code "0"} or {@code "0-1"}. */
    public static PossibleCpus parse(String mask) {
        String s = mask.strip();
        if (s.isEmpty()) {
            throw new BpfException("empty possible-CPU mask");
        }
        List<int[]> ranges = new ArrayList<>();
        long total = 0;
        for (String part : s.split(",")) {
            String p = part.strip();
            int dash = p.indexOf('-');
            int from;
            int to;
            try {
                from = Integer.parseInt(dash < 0 ? p : p.substring(0, dash));
                to = dash < 0 ? from : Integer.parseInt(p.substring(dash + 1));
            } catch (NumberFormatException e) {
                throw new BpfException("malformed possible-CPU mask '" + s + "': bad range '" + p + "'");
            }
            if (from < 0 || to < from) {
                throw new BpfException("malformed possible-CPU mask '" + s + "': bad range '" + p + "'");
            }
            total += (long) to - from + 1;
            // NR_CPUS is at most 8192 in every kernel config; more means a forged or garbled mask.
            if (total > 65536) {
                throw new BpfException("possible-CPU mask '" + s + "' names more than 65536 CPUs");
            }
            ranges.add(new int[] {from, to});
        }
        int[] ids = new int[(int) total];
        int n = 0;
        for (int[] r : ranges) {
            for (int c = r[0]; c <= r[1]; c++) {
                ids[n++] = c;
            }
        }
        Arrays.sort(ids);
        for (int i = 1; i < ids.length; i++) {
            if (ids[i] == ids[i - 1]) {
                throw new BpfException("possible-CPU mask '" + s + "' names CPU " + ids[i] + " twice");
            }
        }
        return new PossibleCpus(ids);
    }

    /** Number of possible CPUs: the number of per-CPU value slots. */
    public int count() {
        return ids.length;
    }

    /** The CPU ids in ascending order; slot {@code i} of a per-CPU value belongs to {@code ids()[i]}. */
    public int[] ids() {
        return ids.clone();
    }

    /** The per-CPU slot of CPU {@code cpu}, or -1 if it is not possible. */
    public int slotOf(int cpu) {
        int i = Arrays.binarySearch(ids, cpu);
        return i < 0 ? -1 : i;
    }

    @Override
    public String toString() {
        return "PossibleCpus" + Arrays.toString(ids);
    }
}
