package dev.bpflux.testing;

import dev.bpflux.sys.Bpf;
import dev.bpflux.sys.BpfCommand;
import dev.bpflux.sys.Errno;
import dev.bpflux.sys.GetNextId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What this process holds of the kernel, to compare before and after an operation that failed: open
 * descriptors (/proc/self/fd), mappings of BPF objects (/proc/self/maps) and the files under a bpffs
 * directory. {@link #stillAlive} asks the kernel (BPF_*_GET_NEXT_ID) which of the objects a
 * {@link FaultInjectingSystemCalls} saw created it still holds.
 */
public record ResourceSnapshot(Map<String, String> fds, List<String> bpfMappings, Set<String> pins) {

    public static ResourceSnapshot take(Path pinDir) {
        try {
            // Each descriptor with what it points at, but for the listing's own (the directory listed).
            Map<String, String> fds = new TreeMap<>();
            String listing = "/proc/" + ProcessHandle.current().pid() + "/fd";
            try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
                s.forEach(p -> {
                    String target = readLink(p);
                    if (target != null && !target.equals(listing)) {
                        fds.put(p.getFileName().toString(), target);
                    }
                });
            }
            List<String> maps = Files.readAllLines(Path.of("/proc/self/maps")).stream()
                    .filter(l -> l.contains(" anon_inode:bpf")).toList();
            Set<String> pins = new TreeSet<>();
            if (pinDir != null && Files.isDirectory(pinDir)) {
                try (Stream<Path> s = Files.walk(pinDir)) {
                    s.filter(Files::isRegularFile).forEach(p -> pins.add(pinDir.relativize(p).toString()));
                }
            }
            return new ResourceSnapshot(fds, maps, pins);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What {@code after} holds that this snapshot did not, in words; empty when nothing. */
    public List<String> leaksIn(ResourceSnapshot after) {
        List<String> out = new ArrayList<>();
        after.fds.forEach((fd, target) -> {
            if (!target.equals(this.fds.get(fd))) {
                out.add("fd " + fd + " -> " + target);
            }
        });
        List<String> maps = new ArrayList<>(after.bpfMappings);
        maps.removeAll(this.bpfMappings);
        maps.forEach(m -> out.add("mapping " + m));
        Set<String> pins = new TreeSet<>(after.pins);
        pins.removeAll(this.pins);
        pins.forEach(p -> out.add("pin " + p));
        return out;
    }

    private static String readLink(Path p) {
        try {
            return Files.readSymbolicLink(p).toString();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The objects of {@code created} the kernel still lists, waiting up to {@code waitMillis} for it to
     * free them (a map's or link's release can be deferred to a work queue).
     */
    public static List<FaultInjectingSystemCalls.Created> stillAlive(Set<FaultInjectingSystemCalls.Created> created,
                                                                     long waitMillis) throws InterruptedException {
        long deadline = System.nanoTime() + waitMillis * 1_000_000;
        while (true) {
            List<FaultInjectingSystemCalls.Created> alive = new ArrayList<>();
            for (FaultInjectingSystemCalls.Created c : created) {
                if (listed(c.getNextId(), c.id())) {
                    alive.add(c);
                }
            }
            if (alive.isEmpty() || System.nanoTime() > deadline) {
                return alive;
            }
            Thread.sleep(20);
        }
    }

    private static boolean listed(BpfCommand getNextId, int id) {
        try (GetNextId attr = new GetNextId(getNextId)) {
            attr.startId(id - 1);
            int r = Bpf.system().tryCall(attr);
            if (r == -Errno.ENOENT) {
                return false;
            }
            if (r < 0) {
                throw new IllegalStateException(getNextId + " failed with " + Errno.name(-r));
            }
            return attr.nextId() == id;
        }
    }
}
