package dev.bpflux.obj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The kernel enums look constants up by array index, which holds only while they are dense from 0. */
class KernelEnumsTest {
    @Test
    void mapTypesRoundTripThroughTheirKernelValue() {
        for (MapType t : MapType.values()) {
            assertEquals(t, MapType.of(t.value()), t.kernelName());
        }
        assertNull(MapType.of(MapType.values().length));
        assertNull(MapType.of(-1));
    }

    @Test
    void programTypesRoundTripThroughTheirKernelValue() {
        for (ProgramType t : ProgramType.values()) {
            assertEquals(t, ProgramType.of(t.value()), t.kernelName());
        }
        assertNull(ProgramType.of(ProgramType.values().length));
    }

    @Test
    void attachTypesRoundTripThroughTheirKernelValue() {
        for (AttachType t : AttachType.values()) {
            assertEquals(t, AttachType.of(t.value()), t.kernelName());
        }
        assertNull(AttachType.of(AttachType.values().length));
    }
}
