package dev.bpflux.load;

import dev.bpflux.BpfNotSupportedException;

/**
 * The one place where the object model's enums ({@code dev.bpflux.obj}) become the native layer's
 * ({@code dev.bpflux.map}, {@code dev.bpflux.prog}), by the kernel's numeric values.
 */
final class SysTypes {
    private SysTypes() {
    }

    static dev.bpflux.obj.MapType map(dev.bpflux.obj.MapType t) {
        dev.bpflux.obj.MapType m = dev.bpflux.obj.MapType.of(t.value());
        if (m == null) {
            throw new BpfNotSupportedException("map type " + t, "bpflux's map layer does not know type " + t.value());
        }
        return m;
    }

    static dev.bpflux.obj.ProgramType program(dev.bpflux.obj.ProgramType t) {
        dev.bpflux.obj.ProgramType p = dev.bpflux.obj.ProgramType.of(t.value());
        if (p == null) {
            throw new BpfNotSupportedException("program type " + t,
                    "bpflux's program layer does not know type " + t.value());
        }
        return p;
    }

    static dev.bpflux.obj.AttachType attach(dev.bpflux.obj.AttachType t) {
        if (t == null) {
            return null;
        }
        dev.bpflux.obj.AttachType a = dev.bpflux.obj.AttachType.of(t.value());
        if (a == null) {
            throw new BpfNotSupportedException("attach type " + t,
                    "bpflux's program layer does not know attach type " + t.value());
        }
        return a;
    }
}
