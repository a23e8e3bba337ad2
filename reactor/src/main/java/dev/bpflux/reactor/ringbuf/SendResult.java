package dev.bpflux.reactor.ringbuf;

/**
 * One value a {@link UserRingBufferSender} wrote into the ring and submitted: the BPF program's
 * next {@code bpf_user_ringbuf_drain} sees it. Submitted, not yet consumed: the program consumes
 * samples in the order they were sent.
 *
 * @param value the value, as the upstream publisher emitted it (for correlation)
 * @param sequence its 0-based index among the samples of this {@code send}
 * @param length the sample's length in bytes, as the encoder said
 * @param <T> the values sent
 */
public record SendResult<T>(T value, long sequence, int length) {
}
