package dev.bpflux.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.sun.jna.LastErrorException;
import dev.bpflux.kernel.FeatureProbes.Support;
import dev.bpflux.obj.MapType;
import dev.bpflux.obj.ProgramType;
import dev.bpflux.obj.Assembler;
import dev.bpflux.sys.Bpf;
import dev.bpflux.sys.Errno;
import dev.bpflux.sys.SystemCalls;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Test;

/**
 * A kernel that refuses every bpf(2) with EPERM, as it does an unprivileged caller: the probes must say
 * "could not probe" rather than "unsupported" when this process lacks privileges, and "unsupported" when
 * it has them (a kernel that refuses root has refused the feature).
 */
class FeatureProbesWithoutPrivilegeTest {
    private static Bpf refusingEverything() {
        SystemCalls eperm = (SystemCalls) Proxy.newProxyInstance(SystemCalls.class.getClassLoader(),
                new Class<?>[] {SystemCalls.class}, (proxy, method, args) -> {
                    if (method.getName().equals("bpf")) {
                        throw new LastErrorException(Errno.EPERM);
                    }
                    return method.getReturnType() == int.class ? 0 : null;
                });
        return new Bpf(eperm);
    }

    @Test
    void epermWithoutPrivilegesIsNotAnAnswer() {
        FeatureProbes probes = new FeatureProbes(refusingEverything(), () -> false);
        for (MapType t : new MapType[] {MapType.RINGBUF, MapType.HASH, MapType.TASK_STORAGE, MapType.ARRAY_OF_MAPS}) {
            assertEquals(Support.NEEDS_PRIVILEGE, probes.mapTypeSupport(t), t.name());
            assertFalse(probes.mapType(t), t.name());
        }
        assertEquals(Support.NEEDS_PRIVILEGE, probes.programTypeSupport(ProgramType.TRACEPOINT));
        assertEquals(Support.NEEDS_PRIVILEGE, probes.helperSupport(ProgramType.TRACEPOINT, Assembler.FN_MAP_LOOKUP_ELEM));
        assertFalse(probes.helper(ProgramType.TRACEPOINT, Assembler.FN_MAP_LOOKUP_ELEM));
    }

    @Test
    void epermWithPrivilegesIsARefusal() {
        FeatureProbes probes = new FeatureProbes(refusingEverything(), () -> true);
        assertEquals(Support.NO, probes.mapTypeSupport(MapType.RINGBUF));
        assertEquals(Support.NO, probes.mapTypeSupport(MapType.TASK_STORAGE));
        // A known type refused for another reason than EINVAL: the type exists (the trampoline case).
        assertEquals(Support.YES, probes.programTypeSupport(ProgramType.TRACEPOINT));
    }
}
