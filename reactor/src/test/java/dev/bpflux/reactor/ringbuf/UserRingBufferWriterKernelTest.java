package dev.bpflux.reactor.ringbuf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.load.BpfObject;
import dev.bpflux.reactor.testing.ProcessResources;
import dev.bpflux.reactor.testing.UserRingBufferDrainProgram;
import dev.bpflux.sys.ProcessCalls;
import dev.bpflux.testing.KernelTest;
import org.junit.jupiter.api.Test;

/** User ring buffer samples drained by {@code src/test/bpf/user_ringbuf.bpf.o} on getsid(2). */
@KernelTest
class UserRingBufferWriterKernelTest {


    @Test
    void theProgramDrainsWhatWasWritten() {
        try (BpfObject obj = UserRingBufferDrainProgram.load();
                UserRingBufferWriter writer = UserRingBufferWriter.open(obj.map("user_rb"))) {
            long expected = 0;
            for (long v = 1; v <= 1000; v++) {
                long value = v * 3;
                assertTrue(writer.offer(16, out -> out.writeLongLE(value).writeLongLE(-1)));
                expected += value;
            }
            ProcessCalls.getsid(0);
            assertEquals(1000, obj.global("samples").readLong());
            assertEquals(expected, obj.global("sum").readLong());
            assertEquals(3000, obj.global("last_value").readLong());
            assertEquals(256 * 1024, writer.available(), "the kernel consumed everything");
        }
    }

    @Test
    void aFullRingRefusesUntilDrainedAndAFailedWriteIsDiscarded() {
        try (BpfObject obj = UserRingBufferDrainProgram.load();
                UserRingBufferWriter writer = UserRingBufferWriter.open(obj.map("user_rb"))) {
            int fits = 256 * 1024 / 24;
            for (int i = 0; i < fits; i++) {
                assertTrue(writer.offer(16, out -> out.writeLongLE(1).writeLongLE(0)));
            }
            assertFalse(writer.offer(16, out -> out.writeLongLE(1)), "no room left");
            // drained in chunks: bpf_user_ringbuf_drain takes at most BPF_MAX_USER_RINGBUF_SAMPLES per call
            while (obj.global("samples").readLong() < fits) {
                ProcessCalls.getsid(0);
            }
            assertEquals(fits, obj.global("sum").readLong());
            assertThrows(IllegalStateException.class, () -> writer.offer(8, out -> {
                throw new IllegalStateException("encoder failed");
            }));
            assertTrue(writer.offer(8, out -> out.writeLongLE(5)));
            ProcessCalls.getsid(0);
            assertEquals(fits + 1, obj.global("samples").readLong(), "the failed sample was discarded");
            assertEquals(fits + 5, obj.global("sum").readLong());
        }
    }

    @Test
    void closesItsMappingsOnce() {
        try (BpfObject obj = UserRingBufferDrainProgram.load()) {
            long maps = ProcessResources.bpfMappings();
            UserRingBufferWriter writer = UserRingBufferWriter.open(obj.map("user_rb"));
            assertEquals(maps + 2, ProcessResources.bpfMappings());
            writer.close();
            writer.close();
            assertEquals(maps, ProcessResources.bpfMappings());
        }
    }
}
