package dev.bpflux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The kernel's verdict read from verifier logs as kernels print them (log level 1 and 2). */
class BpfVerifierExceptionTest {
    @Test
    void leadsWithTheRejectedInstructionAndTheVerifiersLastError() {
        String log = """
                func#0 @0
                0: R1=ctx() R10=fp0
                ; int x = *(long *)(ctx - 520); @ prog.c:12
                0: (bf) r2 = r10                      ; R2_w=fp0 R10=fp0
                1: (79) r1 = *(u64 *)(r2 -520)
                invalid read from stack R10 off=-520 size=8
                processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0
                """;
        BpfVerifierException e = new BpfVerifierException("p", 13, "EACCES", log, "bpflux: a note");
        BpfVerifierException.Rejection r = e.rejection().orElseThrow();
        assertEquals(1, r.instruction());
        assertEquals("r1 = *(u64 *)(r2 -520)", r.instructionText());
        assertEquals("invalid read from stack R10 off=-520 size=8", r.error());
        String[] lines = e.getMessage().split("\n");
        assertEquals("loading program 'p' failed with EACCES (13): the verifier rejected instruction 1 "
                + "(r1 = *(u64 *)(r2 -520)): invalid read from stack R10 off=-520 size=8", lines[0]);
        assertEquals("bpflux: a note", lines[1]);
        assertEquals("verifier log (last 7 of 7 lines):", lines[2]);
        assertEquals(log, e.log());
    }

    @Test
    void stateAfterTheInstructionIsNotPartOfIt() {
        String log = "0: (b7) r0 = 0                        ; R0_w=0\n"
                + "1: (95) exit\nAt program exit the register R0 has unknown scalar value should have been in [0, 1]\n";
        BpfVerifierException.Rejection r = new BpfVerifierException("p", 22, "EINVAL", log).rejection().orElseThrow();
        assertEquals("exit", r.instructionText());
        assertEquals(1, r.instruction());
    }

    @Test
    void aLogWithoutAnInstructionStillLeadsWithItsLastError() {
        BpfVerifierException e = new BpfVerifierException("p", 7, "E2BIG", "BPF program is too large. Processed "
                + "1000001 insn\nprocessed 1000001 insns (limit 1000000)\n");
        assertTrue(e.rejection().isEmpty());
        assertTrue(e.getMessage().startsWith("loading program 'p' failed with E2BIG (7): the verifier says: BPF "
                + "program is too large. Processed 1000001 insn\n"), e.getMessage());
        BpfVerifierException empty = new BpfVerifierException("p", 1, "EPERM", "");
        assertEquals("loading program 'p' failed with EPERM (1)\nthe verifier gave no log", empty.getMessage());
    }
}
