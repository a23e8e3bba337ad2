/**
 * Figures a stream reports as it reads: {@link dev.bpflux.reactor.metrics.StreamMetrics}, with a
 * Micrometer implementation ({@link dev.bpflux.reactor.metrics.MicrometerStreamMetrics}) for
 * applications that have Micrometer on the class path (an optional dependency of bpflux-reactor).
 */
package dev.bpflux.reactor.metrics;
