/**
 * The epoll loop that reader threads run: one {@link dev.bpflux.reactor.poll.PollLoop} waits on
 * the fds of any number of {@link dev.bpflux.reactor.poll.PollSource}s (ring buffers, perf buffers,
 * user ring buffer senders waiting for room)
 * plus an eventfd that wakes it for demand, registration and cancellation, never a timeout.
 *
 * <p>Every read of kernel-shared memory and every unmapping happen on the loop's thread, one
 * source at a time, so a source is never unmapped while it is being read.
 * {@link dev.bpflux.reactor.poll.LoopHandshake} is the demand, cancel and close handshake every
 * stream's subscription shares with its loop.
 */
package dev.bpflux.reactor.poll;
