package dev.bpflux.reactor.poll;

/**
 * Something a {@link PollLoop} reads when its fd is ready: a ring buffer, a perf buffer.
 *
 * <p>{@link #poll()}, {@link #hasWork()} and {@link #closeOnLoop()} run on the loop thread only;
 * {@link #wantsClose()} and {@link #hasDemand()} may be read there at any time.
 */
public interface PollSource {

    /** {@link #poll()} emitted something and there may be more: poll again before sleeping. */
    int PROGRESS = 1;
    /** Nothing (more) to read right now. */
    int IDLE = 0;

    /** The fd to wait on: for readability (EPOLLIN), or for room with {@link #waitsForRoom()}. */
    int fd();

    /** All fds to wait on (a perf buffer has one per CPU); by default just {@link #fd()}. */
    default int[] fds() {
        return new int[] {fd()};
    }

    /**
     * Whether the loop waits for the kernel to free space in the fd's buffer (EPOLLOUT) instead of
     * for data to read (EPOLLIN): a user ring buffer sender that found its ring full. The loop
     * watches such an fd edge-triggered, so it wakes for each time the kernel freed space, not for
     * as long as some space is free.
     */
    default boolean waitsForRoom() {
        return false;
    }

    /** Reads what downstream demand allows. Returns {@link #PROGRESS} or {@link #IDLE}. */
    int poll();

    /** Whether downstream wants records now; without demand the loop stops watching the fd. */
    boolean hasDemand();

    /** A cheap check, without syscalls, whether {@link #poll()} would find something (for spinning). */
    boolean hasWork();

    /** Whether the source is done (cancelled or terminated) and should be removed and closed. */
    boolean wantsClose();

    /**
     * Unmaps and closes the source's resources. Called exactly once, on the loop thread, after the
     * source was taken out of the epoll set, or when registration failed.
     *
     * @param loopError why the loop gave up on the source (the subscriber should get it as
     *     {@code onError}), or {@code null} when the source asked to close
     */
    void closeOnLoop(Throwable loopError);
}
