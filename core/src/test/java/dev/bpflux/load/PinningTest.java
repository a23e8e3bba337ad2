package dev.bpflux.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.BpfException;
import dev.bpflux.BpfSyscallException;
import dev.bpflux.BpfVerifierException;
import dev.bpflux.map.BpfMap;
import dev.bpflux.map.MapDefinition;
import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.obj.MapType;
import dev.bpflux.testing.KernelTest;
import dev.bpflux.testing.TestPins;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pins a load or {@link BpfObject#pinAll} makes: confined to the chosen directory, only on bpffs,
 * and all removed again (with the directories made for them) when the load or pinAll fails, while
 * pins that existed before stay. Every test works under a fresh directory of /sys/fs/bpf.
 */
@KernelTest
class PinningTest {
    static final Path PINS = BpfObjectTest.CORPUS.resolve("pins.bpf.o");
    static final Path HOSTILE = BpfObjectTest.CORPUS.resolve("hostile_pin_names.bpf.o");
    static final String HOSTILE_MAP = "../../../pwnd";
    static final String HOSTILE_PROGRAM = "../../evil1";

    Path root;

    @BeforeEach
    void freshDirectory() throws IOException {
        root = TestPins.newDirectory("bpflux-pinning-test-");
    }

    @AfterEach
    void removeEverything() throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static BpfMap u64Array(int maxEntries) {
        return BpfMap.create(MapDefinition.builder(MapType.ARRAY).keySize(4).valueSize(8).maxEntries(maxEntries)
                .name("test_pin").build());
    }

    /**
     * hostile_pin_names.bpf.o with names overwritten in place: each NUL-terminated string equal to a
     * key (in the ELF string table, the BTF strings and the DWARF strings) becomes its value, of the
     * same length, so every offset in the object stays valid.
     */
    static BpfObjectSpec hostileCopy(Map<String, String> renames) throws IOException {
        byte[] b = Files.readAllBytes(HOSTILE);
        for (Map.Entry<String, String> r : renames.entrySet()) {
            byte[] from = ("\0" + r.getKey() + "\0").getBytes(StandardCharsets.US_ASCII);
            byte[] to = ("\0" + r.getValue() + "\0").getBytes(StandardCharsets.US_ASCII);
            assertEquals(from.length, to.length, "same-length rename");
            int replaced = 0;
            for (int i = 0; i + from.length <= b.length; i++) {
                if (java.util.Arrays.equals(b, i, i + from.length, from, 0, from.length)) {
                    System.arraycopy(to, 0, b, i, to.length);
                    replaced++;
                }
            }
            assertEquals(3, replaced, r.getKey() + " in .strtab, .BTF and .debug_str");
        }
        return BpfObjectSpec.parse(b, "hostile_pin_names.bpf.o");
    }

    @Test
    void aMapNamedToEscapeThePinDirectoryIsRefusedAndAPinThereIsNotReused() throws IOException {
        // Three levels down, so that ../../../pwnd points at <root>/pwnd, still inside the test's directory.
        Path pinDir = Files.createDirectories(root.resolve("a/b/c"));
        BpfObjectSpec spec = hostileCopy(Map.of("hostile_map13", HOSTILE_MAP));
        assertEquals(HOSTILE_MAP, spec.maps().get(0).name(), "the parser keeps the name as the object has it");
        // A compatible map already pinned where the name points: it must not be opened and reused.
        try (BpfMap decoy = u64Array(1)) {
            decoy.pin(root.resolve("pwnd"));
        }
        Set<String> before = TestPins.tree(root);
        BpfException e = assertThrows(BpfException.class,
                () -> BpfObject.load(spec, LoadOptions.defaults().withPinDirectory(pinDir)).close());
        assertTrue(e.getMessage().contains("map '" + HOSTILE_MAP + "' of hostile_pin_names.bpf.o")
                && e.getMessage().contains(pinDir.toString()), e.getMessage());
        assertEquals(before, TestPins.tree(root));
    }

    @Test
    void aProgramNamedToEscapeThePinDirectoryIsRefusedByPinAll() throws IOException {
        Path byName = Files.createDirectory(root.resolve("by-name"));
        // ../../evil1 points at <root>/evil1.
        Path pinDir = Files.createDirectories(root.resolve("a/b"));
        BpfObjectSpec spec = hostileCopy(Map.of("hostileprg1", HOSTILE_PROGRAM));
        try (BpfObject obj = BpfObject.load(spec, LoadOptions.defaults().withPinDirectory(byName))) {
            assertEquals(HOSTILE_PROGRAM, obj.programs().get(0).name());
            Set<String> before = TestPins.tree(root);
            BpfException e = assertThrows(BpfException.class, () -> obj.pinAll(pinDir));
            assertTrue(e.getMessage().contains("program '" + HOSTILE_PROGRAM + "' of hostile_pin_names.bpf.o")
                    && e.getMessage().contains(pinDir.toString()), e.getMessage());
            assertEquals(before, TestPins.tree(root), "nothing pinned, no maps/ directory made");
        }
    }

    @Test
    void anIncompatiblePinFailsTheLoadAndTheDirectoryHoldsWhatItHeldBefore() throws IOException {
        try (BpfMap other = BpfMap.create(MapDefinition.builder(MapType.HASH).keySize(4).valueSize(8)
                .maxEntries(2).name("other").build())) {
            other.pin(root.resolve("pinned_third"));
        }
        Set<String> before = TestPins.tree(root);
        // pinned_first and pinned_second are created and pinned before pinned_third meets the conflict.
        BpfException e = assertThrows(BpfException.class, () -> BpfObject.load(PINS,
                LoadOptions.defaults().withPinDirectory(root).withProgramsToLoad("count_runs")).close());
        assertTrue(e.getMessage().contains(root.resolve("pinned_third").toString()), e.getMessage());
        assertEquals(before, TestPins.tree(root));
        assertEquals(Set.of("pinned_third"), before);
    }

    @Test
    void aVerifierRejectionAfterPinningRemovesThePinsButNotAReusedOne() throws IOException {
        int reusedId;
        try (BpfMap existing = u64Array(1)) {
            existing.pin(root.resolve("pinned_first"));
            reusedId = existing.info().id();
        }
        assertThrows(BpfVerifierException.class, () -> BpfObject.load(PINS,
                LoadOptions.defaults().withPinDirectory(root).withProgramsToLoad("rejected")).close());
        assertEquals(Set.of("pinned_first"), TestPins.tree(root), "pinned_second and pinned_third were removed");
        try (BpfMap kept = BpfMap.openPinned(root.resolve("pinned_first"))) {
            assertEquals(reusedId, kept.info().id());
        }
    }

    @Test
    void aMissingPinDirectoryIsCreatedOneLevelDeepAndRemovedWhenTheLoadFails() throws IOException {
        Path fresh = root.resolve("fresh");
        assertThrows(BpfVerifierException.class, () -> BpfObject.load(PINS,
                LoadOptions.defaults().withPinDirectory(fresh).withProgramsToLoad("rejected")).close());
        assertEquals(Set.of(), TestPins.tree(root), "the directory made for the pins is gone with them");

        try (BpfObject obj = BpfObject.load(PINS,
                LoadOptions.defaults().withPinDirectory(fresh).withProgramsToLoad("count_runs"))) {
            assertEquals(Set.of("fresh", "fresh/pinned_first", "fresh/pinned_second", "fresh/pinned_third"), TestPins.tree(root));
        }
        assertEquals(4, TestPins.tree(root).size(), "pins outlive the object");

        Path deep = root.resolve("missing/deeper");
        BpfException e = assertThrows(BpfException.class, () -> BpfObject.load(PINS,
                LoadOptions.defaults().withPinDirectory(deep).withProgramsToLoad("count_runs")).close());
        assertTrue(e.getMessage().contains(root.resolve("missing") + " does not exist"), e.getMessage());
        assertFalse(Files.exists(root.resolve("missing")));
    }

    @Test
    void aPinAllConflictRemovesWhatPinAllPinnedAndUnpinAllWhatTheLoadPinned() throws IOException {
        Path byName = root.resolve("by-name");
        Path pinDir = Files.createDirectories(root.resolve("pinned/maps")).getParent();
        try (BpfMap other = u64Array(1)) {
            other.pin(pinDir.resolve("maps/pinned_second"));
        }
        try (BpfObject obj = BpfObject.load(PINS,
                LoadOptions.defaults().withPinDirectory(byName).withProgramsToLoad("count_runs"))) {
            Set<String> before = TestPins.tree(root);
            // count_runs and maps/pinned_first are pinned before maps/pinned_second meets the conflict.
            BpfException e = assertThrows(BpfException.class, () -> obj.pinAll(pinDir));
            assertTrue(e.getMessage().contains(pinDir.resolve("maps/pinned_second").toString()), e.getMessage());
            assertEquals(before, TestPins.tree(root));

            obj.unpinAll();
            assertEquals(Set.of("pinned", "pinned/maps", "pinned/maps/pinned_second"), TestPins.tree(root),
                    "the by-name pins and the directory the load made are gone; the foreign pin stays");
        }
    }

    @Test
    void pinAllIntoANewDirectoryRemovesItWhenAPinFails() throws IOException {
        // bpffs refuses names with a dot (EPERM): the program's pin fails after pinAll made
        // the directory and its maps/.
        BpfObjectSpec spec = hostileCopy(Map.of("hostileprg1", "hostile.pr1"));
        Path pinDir = root.resolve("new");
        try (BpfObject obj = BpfObject.load(spec, LoadOptions.defaults().withPinDirectory(root))) {
            BpfException e = assertThrows(BpfException.class, () -> obj.pinAll(pinDir));
            assertTrue(e.getMessage().contains(pinDir.resolve("hostile.pr1").toString()), e.getMessage());
            assertEquals(Set.of("hostile_map13"), TestPins.tree(root));
        }
    }

    @Test
    void aDirectoryNotOnBpffsIsNamedAndNothingIsCreatedThere(@TempDir Path notBpffs) throws IOException {
        Path pinDir = notBpffs.resolve("pins");
        BpfException e = assertThrows(BpfException.class, () -> BpfObject.load(PINS,
                LoadOptions.defaults().withPinDirectory(pinDir).withProgramsToLoad("count_runs")).close());
        assertTrue(e.getMessage().contains(notBpffs + " is not on a BPF filesystem (bpffs)")
                && e.getMessage().contains("mount -t bpf bpf /sys/fs/bpf"), e.getMessage());
        assertEquals(Set.of(), TestPins.tree(notBpffs));

        try (BpfObject obj = BpfObject.load(PINS,
                LoadOptions.defaults().withPinDirectory(root).withProgramsToLoad("count_runs"))) {
            e = assertThrows(BpfException.class, () -> obj.pinAll(pinDir));
            assertTrue(e.getMessage().contains(notBpffs + " is not on a BPF filesystem (bpffs)"), e.getMessage());
            assertEquals(Set.of(), TestPins.tree(notBpffs), "no maps/ directory left behind");
            e = assertThrows(BpfException.class, () -> obj.pinAll(notBpffs));
            assertTrue(e.getMessage().contains(notBpffs + " is not on a BPF filesystem (bpffs)"), e.getMessage());
        }
    }

    @Test
    void pinningOutsideBpffsSaysSoRatherThanAskingForPrivilege(@TempDir Path notBpffs) {
        try (BpfMap map = u64Array(1)) {
            BpfSyscallException e = assertThrows(BpfSyscallException.class, () -> map.pin(notBpffs.resolve("m")));
            assertEquals(dev.bpflux.sys.Errno.EPERM, e.errno(), "the kernel's verdict comes first");
            assertTrue(e.getMessage().contains(notBpffs + " is not on a BPF filesystem (bpffs)")
                    && !e.getMessage().contains("CAP_BPF"), e.getMessage());
        }
    }

    @Test
    void anEmptyPinDirectoryIsRefused() {
        BpfException e = assertThrows(BpfException.class, () -> BpfObject.load(PINS,
                LoadOptions.defaults().withPinDirectory(Path.of("")).withProgramsToLoad("count_runs")).close());
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
        try (BpfObject obj = BpfObject.load(PINS,
                LoadOptions.defaults().withPinDirectory(root).withProgramsToLoad("count_runs"))) {
            e = assertThrows(BpfException.class, () -> obj.pinAll(Path.of("")));
            assertTrue(e.getMessage().contains("empty"), e.getMessage());
        }
        assertFalse(Files.exists(Path.of("maps")), "nothing made in the working directory");
    }
}
