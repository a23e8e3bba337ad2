package dev.bpflux.obj.btf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

final class ByteBufferFiles {
    private ByteBufferFiles() {
    }

    static void write(Path p, ByteBuffer b) throws IOException {
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        Files.write(p, bytes);
    }
}
