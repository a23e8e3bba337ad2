package dev.bpflux.prog;

/**
 * What BPF_PROG_TEST_RUN reported.
 *
 * @param returnValue the program's return value (for XDP an {@code XDP_*} action)
 * @param durationNanos mean run time per repetition in nanoseconds, as measured by the kernel
 * @param dataOut the packet after the program ran (possibly resized by the program)
 */
public record TestRunResult(int returnValue, long durationNanos, byte[] dataOut) {
}
