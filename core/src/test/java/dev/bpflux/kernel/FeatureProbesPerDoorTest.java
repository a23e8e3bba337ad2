package dev.bpflux.kernel;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.obj.MapType;
import dev.bpflux.sys.Bpf;
import dev.bpflux.sys.Errno;
import dev.bpflux.sys.SystemCalls;
import dev.bpflux.testing.FaultInjectingSystemCalls;
import dev.bpflux.testing.KernelTest;
import org.junit.jupiter.api.Test;

/** Probes are cached per door: the real kernel's shared, another door's its own. */
@KernelTest
class FeatureProbesPerDoorTest {

    @Test
    void theRealKernelsProbesAreShared() {
        assertSame(FeatureProbes.system(), FeatureProbes.of(Bpf.system()));
        assertSame(FeatureProbes.system(), FeatureProbes.of(Bpf.of(SystemCalls.linux())));
    }

    @Test
    void aFailingDoorsAnswersStayWithThatDoor() {
        FaultInjectingSystemCalls door = FaultInjectingSystemCalls.failing("bpf(BPF_MAP_CREATE)", 1, Errno.ENOMEM);
        FeatureProbes failing = FeatureProbes.of(Bpf.of(door));
        assertSame(failing, FeatureProbes.of(Bpf.of(door)), "one cache per door");
        assertNotSame(FeatureProbes.system(), failing);
        assertFalse(failing.mapType(MapType.HASH), "the probe's BPF_MAP_CREATE failed through this door");
        assertFalse(failing.mapType(MapType.HASH), "and that answer is cached for it");
        assertTrue(FeatureProbes.system().mapType(MapType.HASH), "the real kernel still has hash maps");
        assertTrue(FeatureProbes.of(Bpf.of(FaultInjectingSystemCalls.failing(Integer.MAX_VALUE, Errno.EPERM)))
                .mapType(MapType.HASH), "a fresh door probes afresh");
    }
}
