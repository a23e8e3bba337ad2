package dev.bpflux.reactor.testing;

import dev.bpflux.load.BpfObject;
import dev.bpflux.load.ObjectProgram;
import dev.bpflux.map.BpfMap;
import dev.bpflux.sys.Bpf;
import dev.bpflux.sys.BpfAttr;
import dev.bpflux.sys.BpfCommand;
import dev.bpflux.sys.OwnedFd;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel ids of an object's programs and maps, and whether the kernel still holds any of them
 * (asked with BPF_PROG/MAP_GET_FD_BY_ID, not through bpflux's own bookkeeping). Other processes on the
 * machine load objects too, so a test checks its own ids rather than the machine-wide count.
 */
public record KernelObjectIds(List<Integer> programs, List<Integer> maps) {
    public static KernelObjectIds of(BpfObject obj) {
        List<Integer> progs = new ArrayList<>();
        for (ObjectProgram p : obj.programs()) {
            progs.add(p.id());
        }
        List<Integer> maps = new ArrayList<>();
        for (BpfMap m : obj.maps().values()) {
            maps.add(m.info().id());
        }
        return new KernelObjectIds(List.copyOf(progs), List.copyOf(maps));
    }

    /** The ids the kernel still holds (it frees programs and maps after an RCU grace period). */
    public List<String> alive() {
        List<String> out = new ArrayList<>();
        for (int id : programs) {
            if (exists(BpfCommand.BPF_PROG_GET_FD_BY_ID, id)) {
                out.add("prog " + id);
            }
        }
        for (int id : maps) {
            if (exists(BpfCommand.BPF_MAP_GET_FD_BY_ID, id)) {
                out.add("map " + id);
            }
        }
        return out;
    }

    /** Waits up to {@code timeout} for the kernel to free every id; returns those still alive. */
    public List<String> awaitGone(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> alive = alive();
        while (!alive.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            alive = alive();
        }
        return alive;
    }

    private static boolean exists(BpfCommand getFdById, int id) {
        int fd;
        try (BpfAttr.GetFdById attr = new BpfAttr.GetFdById(getFdById)) {
            attr.id(id);
            fd = Bpf.system().tryCall(attr);
        }
        if (fd < 0) {
            return false; // ENOENT: freed
        }
        OwnedFd.adopt(fd, "id " + id).close();
        return true;
    }
}
