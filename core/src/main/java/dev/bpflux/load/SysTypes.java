package dev.bpflux.load;

import dev.bpflux.BpfNotSupportedException;

/**
 * The one place where the object model's enums ({@code dev.bpflux.obj}) become the native layer's
 * ({@code dev.bpflux.map}, {@code dev.bpflux.prog}), by the kernel's numeric values.
 */
final class SysTypes {
    private SysTypes() {
    }

    static dev.bpflux.map.MapType map(dev.bpflux.obj.MapType t) {
        dev.bpflux.map.MapType m = dev.bpflux.map.MapType.of(t.value());
        if (m == null) {
            throw new BpfNotSupportedException("map type " + t, "bpflux's map layer does not know type " + t.value());
        }
        return m;
    }

    static dev.bpflux.prog.ProgramType program(dev.bpflux.obj.ProgramType t) {
        dev.bpflux.prog.ProgramType p = dev.bpflux.prog.ProgramType.of(t.value());
        if (p == null) {
            throw new BpfNotSupportedException("program type " + t,
                    "bpflux's program layer does not know type " + t.value());
        }
        return p;
    }

    static dev.bpflux.prog.AttachType attach(dev.bpflux.obj.AttachType t) {
        if (t == null) {
            return null;
        }
        dev.bpflux.prog.AttachType a = dev.bpflux.prog.AttachType.of(t.value());
        if (a == null) {
            throw new BpfNotSupportedException("attach type " + t,
                    "bpflux's program layer does not know attach type " + t.value());
        }
        return a;
    }
}
