package dev.bpflux.reactor.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The wakeup choices of {@link PerfBufferOptions}: per records or per bytes, never both. */
class PerfBufferOptionsTest {

    @Test
    void aWatermarkReplacesTheWakeupPerRecord() {
        PerfBufferOptions defaults = PerfBufferOptions.create();
        assertEquals(1, defaults.wakeupEvents());
        assertEquals(0, defaults.wakeupWatermark());
        PerfBufferOptions bytes = defaults.withWakeupWatermark(4096);
        assertEquals(4096, bytes.wakeupWatermark());
        assertEquals(0, bytes.wakeupEvents());
        assertEquals(1, defaults.wakeupEvents(), "options are immutable");
    }

    @Test
    void wakeupEventsAndWatermarkAreExclusive() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PerfBufferOptions.create().withWakeupEvents(16).withWakeupWatermark(4096));
        assertTrue(e.getMessage().contains("already have wakeupEvents 16") && e.getMessage().contains("set only one"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> PerfBufferOptions.create().withWakeupWatermark(4096).withWakeupEvents(16));
        assertTrue(e.getMessage().contains("already have wakeupWatermark 4096"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PerfBufferOptions.create().withWakeupWatermark(0));
    }

    @Test
    void aWatermarkMustStayBelowTheBuffer() {
        PerfBufferOptions options = PerfBufferOptions.create().withPagesPerCpu(2).withWakeupWatermark(8192);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> options.checkAgainst(4096));
        assertTrue(e.getMessage().contains("does not fit a per-CPU buffer of 2 pages (8192 bytes)"), e.getMessage());
        options.withPagesPerCpu(4).checkAgainst(4096);
    }
}
