package dev.bpflux.samples.spring;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.http.codec.ServerSentEvent;

/**
 * One client's count of the events dropped for it, and when to tell it: an {@code event: dropped}
 * with {@code {"dropped": total}} once the count grew, at most once a second.
 *
 * <p>The report rides in the client's own event stream, ahead of the next event, because a
 * separate timer source merged beside a busy event stream can wait behind thousands of events.
 * The timer still reports when no event follows.
 */
final class ClientDrops {
    private static final long INTERVAL_NANOS = 1_000_000_000L;

    private final AtomicLong dropped = new AtomicLong();
    private long reported;
    private long reportedAt = System.nanoTime() - INTERVAL_NANOS;

    void increment() {
        dropped.incrementAndGet();
    }

    long count() {
        return dropped.get();
    }

    /** {@code event} preceded by the dropped report if one is due. */
    List<ServerSentEvent<Object>> withReport(ServerSentEvent<Object> event) {
        ServerSentEvent<Object> report = due();
        return report == null ? List.of(event) : List.of(report, event);
    }

    /** The report if the count grew since the last one and that was at least a second ago, else null. */
    synchronized ServerSentEvent<Object> due() {
        long now = System.nanoTime();
        long total = dropped.get();
        if (total == reported || now - reportedAt < INTERVAL_NANOS) {
            return null;
        }
        reported = total;
        reportedAt = now;
        return ServerSentEvent.<Object>builder(Map.of("dropped", total)).event("dropped").build();
    }
}
