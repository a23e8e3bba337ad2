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
}
