package dev.bpflux.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.BpfException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Pin file names from object names: one file name under the directory, or a refusal that says why. */
class PinTransactionTest {
    static final Path DIR = Path.of("/sys/fs/bpf/app");

    @Test
    void aNameThatIsOneFileNameStaysInTheDirectory() {
        assertEquals(DIR.resolve("counts"), PinTransaction.path(DIR, "counts", "map 'counts' of t.bpf.o"));
        // ".." inside a name is no path step; bpffs itself refuses names with dots later.
        assertEquals(DIR.resolve("a..b"), PinTransaction.path(DIR, "a..b", "map 'a..b' of t.bpf.o"));
    }

    @Test
    void namesThatAreNotOneFileNameAreRefusedNamingTheObjectAndTheDirectory() {
        String[][] cases = {
            {"../../evil1", "contains '/'"},
            {"x/../../y", "contains '/'"},
            {"/etc/passwd", "contains '/'"},
            {"..", "is '..'"},
            {".", "is '.'"},
            {"", "is empty"},
            {"ok\0/../../x", "contains a NUL byte"},
        };
        for (String[] c : cases) {
            BpfException e = assertThrows(BpfException.class,
                    () -> PinTransaction.path(DIR, c[0], "map '" + c[0] + "' of t.bpf.o"), c[0]);
            assertTrue(e.getMessage().startsWith("map '" + c[0] + "' of t.bpf.o cannot be pinned in " + DIR
                    + ": its name " + c[1]), e.getMessage());
        }
    }

    @Test
    void twoNamesThatBecomeOnePinFileAreRefusedBeforeAnythingIsPinned() {
        java.util.Map<Path, java.util.function.Consumer<Path>> planned = new java.util.LinkedHashMap<>();
        java.util.Map<Path, String> owners = new java.util.HashMap<>();
        Path at = Path.of("/sys/fs/bpf/x/maps/a_b");
        BpfObject.plan(planned, owners, at, "map 'a.b' of o.bpf.o", p -> { });
        dev.bpflux.BpfException e = org.junit.jupiter.api.Assertions.assertThrows(dev.bpflux.BpfException.class,
                () -> BpfObject.plan(planned, owners, at, "map 'a_b' of o.bpf.o", p -> { }));
        org.junit.jupiter.api.Assertions.assertEquals("map 'a_b' of o.bpf.o and map 'a.b' of o.bpf.o would both be "
                + "pinned at /sys/fs/bpf/x/maps/a_b (bpffs names cannot hold a dot, so dots become '_'); pin them "
                + "yourself under names of your choice", e.getMessage());
        org.junit.jupiter.api.Assertions.assertEquals(1, planned.size());
    }
}
