/**
 * {@code BPF_MAP_TYPE_RINGBUF} as a {@code Flux}: {@link dev.bpflux.reactor.ringbuf.RingBufferReceiver}
 * with its immutable {@link dev.bpflux.reactor.ringbuf.RingBufferOptions}. Records are decoded in
 * place from the mapped ring (zero copy, no allocation per record), the consumer position moves
 * only as far as downstream demand allowed, and the mapping lives exactly as long as a
 * subscription. Minimum kernel: Linux 5.8. The producing direction,
 * {@link dev.bpflux.reactor.ringbuf.UserRingBufferSender} (a {@code Publisher} sent with demand
 * following the ring's room) and {@link dev.bpflux.reactor.ringbuf.UserRingBufferWriter} (one
 * non-blocking {@code offer} at a time), writes samples into a {@code BPF_MAP_TYPE_USER_RINGBUF}
 * (Linux 6.1) for a program to drain.
 */
package dev.bpflux.reactor.ringbuf;
