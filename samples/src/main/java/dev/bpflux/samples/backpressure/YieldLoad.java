package dev.bpflux.samples.backpressure;

import java.util.ArrayList;
import java.util.List;

/**
 * Threads calling {@link Thread#yield()} in a loop until closed: on Linux HotSpot that is one
 * {@code sched_yield(2)} per call, i.e. one record attempt of {@link YieldProducer}, at hundreds
 * of thousands per second per thread.
 */
public final class YieldLoad implements AutoCloseable {
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    private YieldLoad(int count) {
        for (int i = 0; i < count; i++) {
            Thread t = new Thread(() -> {
                while (running) {
                    Thread.yield();
                }
            }, "yield-load-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
    }

    /** Starts {@code threads} yielding threads. */
    public static YieldLoad start(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("at least one load thread, not " + threads);
        }
        YieldLoad load = new YieldLoad(threads);
        load.threads.forEach(Thread::start);
        return load;
    }

    /** Stops the threads and waits for them. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join();
        }
    }
}
