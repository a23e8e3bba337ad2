package dev.bpflux.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.BpfException;
import org.junit.jupiter.api.Test;

class PossibleCpusTest {
    @Test
    void singleCpu() {
        PossibleCpus p = PossibleCpus.parse("0\n");
        assertEquals(1, p.count());
        assertArrayEquals(new int[] {0}, p.ids());
    }

    @Test
    void range() {
        assertArrayEquals(new int[] {0, 1}, PossibleCpus.parse("0-1").ids());
    }

    @Test
    void gappyMask() {
        PossibleCpus p = PossibleCpus.parse("0-3,8-11\n");
        assertEquals(8, p.count());
        assertArrayEquals(new int[] {0, 1, 2, 3, 8, 9, 10, 11}, p.ids());
        assertEquals(4, p.slotOf(8));
        assertEquals(-1, p.slotOf(5));
    }

    @Test
    void mixedSinglesAndRanges() {
        assertArrayEquals(new int[] {0, 2, 4, 5, 6}, PossibleCpus.parse("0,2,4-6").ids());
    }

    @Test
    void malformedMasksAreRejected() {
        for (String bad : new String[] {"", "a-b", "3-1", "-1", "0-", "0,,1", "0-3,2", "0-99999999"}) {
            assertThrows(BpfException.class, () -> PossibleCpus.parse(bad), bad);
        }
    }

    @Test
    void thisMachine() {
        assertTrue(PossibleCpus.system().count() >= 1);
    }
}
