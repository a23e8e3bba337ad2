package dev.bpflux.samples;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The samples' BPF objects, shipped as class path resources and loaded from memory
 * ({@code BpfObject.load(bytes, name, options)}): no extracted copy is left in /tmp when a sample is killed.
 */
public final class BundledObjects {
    private BundledObjects() {
    }

    /** The bytes of class path resource {@code resource}, e.g. {@code bpf/syscall_trace.bpf.o}. */
    public static byte[] read(String resource) {
        try (InputStream in = BundledObjects.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the class path: build the samples module");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource + " from the class path", e);
        }
    }
}
