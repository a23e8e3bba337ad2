package dev.bpflux.reactor.testing;

import dev.bpflux.load.BpfObject;
import dev.bpflux.load.LoadOptions;
import java.nio.file.Path;

/**
 * {@code src/test/bpf/user_ringbuf.bpf.o}, loaded by bpflux's object loader with
 * {@code target_tgid} set to this process and its {@code drain} program attached: each getsid(2)
 * of this process drains every sample committed in the user ring buffer {@code user_rb}; what it
 * drained is in the {@code .bss} globals (see the object's source).
 */
public final class UserRingBufferDrainProgram {
    public static final Path OBJECT = Path.of("src/test/bpf/user_ringbuf.bpf.o");

    private UserRingBufferDrainProgram() {
    }

    /** The loaded object, attached; the caller closes it. */
    public static BpfObject load() {
        BpfObject obj = BpfObject.load(OBJECT, LoadOptions.defaults()
                .withVariable("target_tgid", (int) ProcessHandle.current().pid()));
        try {
            obj.program("drain").attach();
            return obj;
        } catch (RuntimeException e) {
            obj.close();
            throw e;
        }
    }
}
