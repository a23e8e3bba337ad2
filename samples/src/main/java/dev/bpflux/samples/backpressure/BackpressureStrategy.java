package dev.bpflux.samples.backpressure;

/** What happens when the consumer is slower than the BPF producer. */
public enum BackpressureStrategy {
    /**
     * No operator: the ring buffer is the buffer. bpflux reads only what the consumer requested,
     * the ring fills, and the producer's {@code bpf_ringbuf_reserve} fails; the program counts
     * that ({@code DropCounter}). Java memory stays at the consumer's prefetch, whatever the rate.
     */
    RING,
    /**
     * {@code onBackpressureDrop}: the ring is read at full speed and what the consumer has not
     * requested is dropped in Java and counted. The kernel rarely drops; the reading costs CPU.
     */
    DROP,
    /**
     * {@code onBackpressureBuffer(n, onDrop, DROP_OLDEST)}: up to n records wait in Java for the
     * consumer (bursts are absorbed), beyond that the oldest are dropped and counted.
     */
    BUFFER
}
