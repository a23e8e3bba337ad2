/**
 * Live BPF programs loaded from raw instructions: {@link dev.bpflux.prog.ProgramLoadRequest}
 * (immutable, with a builder) in, {@link dev.bpflux.prog.BpfProgram} out, with the full verifier
 * log in a {@link dev.bpflux.BpfVerifierException} when the verifier refuses.
 * {@link dev.bpflux.obj.Assembler} assembles the small hand-written programs used by feature
 * probes and tests.
 */
package dev.bpflux.prog;
