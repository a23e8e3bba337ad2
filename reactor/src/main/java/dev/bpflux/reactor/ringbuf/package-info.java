/**
 * {@code BPF_MAP_TYPE_RINGBUF} as a {@code Flux}: {@link dev.bpflux.reactor.ringbuf.RingBufferReceiver}
 * with its immutable {@link dev.bpflux.reactor.ringbuf.RingBufferOptions}. Records are decoded in
 * place from the mapped ring (zero copy, no allocation per record), the consumer position moves
 * only as far as downstream demand allowed, and the mapping lives exactly as long as a
 * subscription. Minimum kernel: Linux 5.8.
 */
package dev.bpflux.reactor.ringbuf;
