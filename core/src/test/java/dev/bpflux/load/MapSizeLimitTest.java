package dev.bpflux.load;

import dev.bpflux.BpfException;
import dev.bpflux.BpfSyscallException;
import dev.bpflux.load.compat.CompatibilityCheck;
import dev.bpflux.load.compat.CompatibilityReason;
import dev.bpflux.load.compat.ProgramCompatibility;
import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.sys.Errno;
import dev.bpflux.testing.KernelTest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * oversized_value.bpf.o: a per-CPU array whose 40000-byte value is over the kernel's 32 KiB per-CPU limit.
 * The kernel has BPF_MAP_CREATE and per-CPU arrays; its E2BIG is a size limit, which the message must say
 * (naming the map and its sizes), not "kernel too old", and which BTF cannot cure, so no retry without it.
 */
@KernelTest
class MapSizeLimitTest {
    static final Path OVERSIZED = BpfObjectTest.CORPUS.resolve("oversized_value.bpf.o");

    @Test
    void e2bigFromMapCreateIsASizeLimitNamingTheMap() {
        List<String> warnings = new ArrayList<>();
        Logger log = Logger.getLogger(ObjectLoader.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                warnings.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(capture);
        BpfException e;
        try {
            e = assertThrows(BpfException.class, () -> BpfObject.load(OVERSIZED, LoadOptions.defaults()).close());
        } finally {
            log.removeHandler(capture);
        }
        String m = e.getMessage();
        assertEquals(Errno.E2BIG, assertInstanceOf(BpfSyscallException.class, e.getCause()).errno(), m);
        assertTrue(m.startsWith("creating map 'big_values' of " + OVERSIZED + " failed: BPF_MAP_CREATE of "
                + "BPF_MAP_TYPE_PERCPU_ARRAY 'big_values' failed with E2BIG (7): Argument list too long; "), m);
        assertTrue(m.contains("key size 4, value size 40000, max entries 1"), m);
        assertTrue(m.contains("32768"), m);
        assertFalse(m.contains("too old"), m);
        assertTrue(warnings.stream().noneMatch(w -> w.contains("retrying without BTF")), warnings.toString());
    }

    @Test
    void theCompatibilityReportForeseesIt() {
        ProgramCompatibility p = CompatibilityCheck.of(BpfObjectSpec.read(OVERSIZED)).analyze().program("on_getpgid");
        assertFalse(p.loads(), p::toString);
        assertEquals("map 'big_values' (key size 4, value size 40000) is too big for PERCPU_ARRAY: per-CPU values "
                + "may be at most 32768 bytes (PCPU_MIN_UNIT_SIZE)",
                p.reasons(CompatibilityReason.Kind.MAP_SIZE_OVER_LIMIT).get(0).message());
    }
}
