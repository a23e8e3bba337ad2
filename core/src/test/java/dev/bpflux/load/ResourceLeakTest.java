package dev.bpflux.load;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.testing.KernelTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Loading and closing an object returns every descriptor and mapping it took. */
@KernelTest
class ResourceLeakTest {

    static TreeSet<String> openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** Mappings of BPF objects (anonymous inodes named bpf-map and the like). */
    static List<String> bpfMappings() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains("bpf")).toList();
    }

    @Test
    void loadAndClose1000TimesLeavesNoDescriptorOrMapping() throws IOException {
        // globals has mmap'd data sections, a frozen .rodata and a link; maps has every map kind and pinning.
        BpfObjectSpec globals = BpfObjectSpec.read(BpfObjectTest.CORPUS.resolve("globals.bpf.o"));
        BpfObjectSpec subprogs = BpfObjectSpec.read(BpfObjectTest.CORPUS.resolve("subprogs.bpf.o"));
        LoadOptions opts = LoadOptions.defaults().withVariable("target_tgid", Trigger.tgid());
        // Warm up: kernel facts and probes open their files once.
        try (BpfObject o = BpfObject.load(globals, opts)) {
            o.program("copy_config").attach();
        }
        TreeSet<String> fdsBefore = openFds();
        List<String> mapsBefore = bpfMappings();
        for (int i = 0; i < 1000; i++) {
            try (BpfObject o = BpfObject.load(i % 2 == 0 ? globals : subprogs, opts)) {
                if (i % 100 == 0) {
                    // Left open: closing the object closes it. Not every time: each detach waits for an
                    // RCU grace period, which would make the test take minutes (hours under qemu).
                    o.programs().get(0).attach();
                }
                o.global("calls").readLong();
            }
        }
        assertEquals(fdsBefore, openFds(), "descriptors after 1000 loads");
        assertEquals(mapsBefore, bpfMappings(), "mappings after 1000 loads");
    }
}
