package dev.bpflux.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PageSizeTest {
    @Test
    void agreesWithGetconf() throws Exception {
        Process p = new ProcessBuilder("getconf", "PAGESIZE").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
        assertEquals(0, p.waitFor());
        assertEquals(Integer.parseInt(out), PageSize.VALUE);
    }
}
