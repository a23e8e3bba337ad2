/**
 * The backpressure sample: a BPF producer much faster than its subscriber, and the three ways to
 * choose what gives. {@link dev.bpflux.samples.backpressure.YieldProducer} writes one ring buffer
 * record per {@code sched_yield} of this process and counts what it could not write;
 * {@link dev.bpflux.samples.backpressure.YieldLoad} makes those calls;
 * {@link dev.bpflux.samples.backpressure.SlowPipeline} reads them into a deliberately slow
 * consumer under one {@link dev.bpflux.samples.backpressure.BackpressureStrategy};
 * {@link dev.bpflux.samples.backpressure.BackpressuredTrace} prints the rates once a second.
 */
package dev.bpflux.samples.backpressure;
