package dev.bpflux.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.BpfNotSupportedException;
import dev.bpflux.BpfVerifierException;
import dev.bpflux.testing.KernelTest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * What a refused load says first: the verifier's verdict on one instruction, then what that instruction is;
 * and that a program kind bpflux lacks is bpflux's gap, not the kernel's.
 */
@KernelTest
class VerifierRejectionMessageTest {
    static final Path CORPUS = Path.of("src/test/bpf/load");

    @Test
    void aReachedPoisonedCoreRelocationIsNamedInOneLineAfterTheKernelsVerdict() {
        BpfVerifierException e = assertThrows(BpfVerifierException.class, () -> BpfObject.load(
                CORPUS.resolve("core_poisoned.bpf.o"), LoadOptions.defaults().withProgramsToLoad("read_absent")));
        String m = e.getMessage();
        String[] lines = m.split("\n");
        assertTrue(lines[0].matches("loading program 'read_absent' failed with E[A-Z]+ \\(\\d+\\): the verifier rejected "
                + "instruction \\d+ \\(call unknown#195896080\\): invalid func unknown#195896080"), lines[0]);
        assertTrue(lines[1].matches("instruction \\d+ is CO-RE relocation FIELD_BYTE_OFFSET of \\[\\d+\\] struct "
                + "task_struct___poisoned.bpflux_absent_0 .*, which this kernel cannot satisfy: .*"), lines[1]);
        // The 23 other poisoned relocations are never reached: not a word about them.
        assertFalse(m.contains("bpflux_absent_1"), m);
        assertTrue(e.log().contains("invalid func unknown#195896080"), e.log());
        assertFalse(e.log().contains("cannot satisfy"), "the log is the kernel's alone: " + e.log());
    }

    @Test
    void poisonedRelocationsTheVerifierNeverReachesDoNotFailTheLoad() {
        try (BpfObject obj = BpfObject.load(CORPUS.resolve("core_poisoned.bpf.o"),
                LoadOptions.defaults().withProgramsToLoad("read_guarded"))) {
            assertEquals(1, obj.programs().size());
        }
    }

    @Test
    void freplaceIsReportedAsMissingInBpfluxNotInTheKernel() {
        BpfNotSupportedException e = assertThrows(BpfNotSupportedException.class,
                () -> BpfObject.load(CORPUS.resolve("freplace.bpf.o"), LoadOptions.defaults()));
        assertTrue(e.missingInBpflux());
        assertTrue(e.getMessage().startsWith("bpflux does not support freplace programs (BPF_PROG_TYPE_EXT, Linux "
                + "5.6) yet: program 'replacement' (freplace/handle_packet) replaces a function of another BPF program"),
                e.getMessage());
        assertFalse(e.getMessage().contains("by this kernel"), e.getMessage());
        try (BpfObject obj = BpfObject.load(CORPUS.resolve("freplace.bpf.o"),
                LoadOptions.defaults().withProgramsToLoad("pass_all"))) {
            assertEquals(2, obj.program("pass_all").program().testRun(new byte[64], 1).returnValue());
        }
    }
}
