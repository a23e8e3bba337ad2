/**
 * Streams of what BPF programs emit, as Project Reactor {@code Flux}es with real backpressure.
 *
 * <p>This package holds what every stream shares: {@link dev.bpflux.reactor.RecordDecoder} (turns a
 * zero-copy {@link io.netty.buffer.ByteBuf} view of a record into a value),
 * {@link dev.bpflux.reactor.RecordEncoder} (writes a value in place into a user ring buffer sample),
 * {@link dev.bpflux.reactor.RecordBatch} (many views at once, for the highest rates) and
 * {@link dev.bpflux.reactor.WaitStrategy} (how a reader thread waits for data). The streams
 * themselves live in one subpackage per kind of kernel buffer:
 * <ul>
 *   <li>{@code dev.bpflux.reactor.ringbuf}: {@code BPF_MAP_TYPE_RINGBUF} (Linux 5.8) and, the other
 *   way, {@code BPF_MAP_TYPE_USER_RINGBUF} (Linux 6.1);</li>
 *   <li>{@code dev.bpflux.reactor.perf}: {@code BPF_MAP_TYPE_PERF_EVENT_ARRAY} (Linux 4.4);</li>
 *   <li>{@code dev.bpflux.reactor.percpu}: snapshots of per-CPU array and hash maps;</li>
 *   <li>{@code dev.bpflux.reactor.poll}: the epoll loop several streams may share;</li>
 *   <li>{@code dev.bpflux.reactor.metrics}: Micrometer meters (optional dependency).</li>
 * </ul>
 *
 * <p>Every stream is cold: nothing is opened until subscription, and cancel, error or completion
 * unmaps and closes everything exactly once. Records are views into kernel-shared memory valid only
 * while the decoder (or {@code onNext} for a batch) runs; keeping one is an explicit copy.
 */
package dev.bpflux.reactor;
