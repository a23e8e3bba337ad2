package dev.bpflux.obj.elf;

import dev.bpflux.BpfObjectException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;

/**
 * Reads a whole file that must be a regular file of at most a given size. A path naming a FIFO (opening it
 * blocks until a writer comes), a device ({@code /dev/zero} never ends), a directory or a socket is refused
 * before it is opened, and a file larger than the cap (a 3 GiB sparse file) before anything is allocated.
 * The read itself is bounded by the size seen once the file is open, so a file swapped or grown meanwhile
 * fails instead of filling the heap.
 */
public final class RegularFileReader {
    /** Mode bits of {@code st_mode} (sys/stat.h): the file type. */
    private static final int S_IFMT = 0170000;

    private RegularFileReader() {
    }

    /**
     * The bytes of {@code path} (symbolic links followed), which must be a regular file of at most
     * {@code maxBytes}; {@code what} says what the file should be in errors ("BPF object").
     */
    public static byte[] read(Path path, long maxBytes, String what) {
        maxBytes = Math.min(maxBytes, Integer.MAX_VALUE - 8); // one Java array holds the file
        String file = path.toString();
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new BpfObjectException(file, null, -1, "no such file" + linkNote(path));
        } catch (IOException e) {
            throw new BpfObjectException(file, null, -1, "cannot read: " + e, e);
        }
        if (!attrs.isRegularFile()) {
            throw new BpfObjectException(file, null, -1, "not a regular file but " + kind(path, attrs) + linkNote(path)
                    + "; a " + what + " is read from a regular file");
        }
        checkSize(file, attrs.size(), maxBytes, what);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size(); // of the file opened, which may not be the one examined above
            checkSize(file, size, maxBytes, what);
            byte[] bytes = new byte[(int) size];
            int n = 0;
            while (n < bytes.length) {
                int r = ch.read(ByteBuffer.wrap(bytes, n, bytes.length - n));
                if (r < 0) {
                    return Arrays.copyOf(bytes, n); // shrank while being read
                }
                n += r;
            }
            if (ch.read(ByteBuffer.allocate(1)) > 0) {
                throw new BpfObjectException(file, null, -1, "grew past its size of " + size
                        + " bytes while being read; is something writing it?");
            }
            return bytes;
        } catch (IOException e) {
            throw new BpfObjectException(file, null, -1, "cannot read: " + e, e);
        }
    }

    private static void checkSize(String file, long size, long maxBytes, String what) {
        if (size > maxBytes) {
            throw new BpfObjectException(file, null, -1, "is " + size + " bytes (" + human(size) + "), more than the "
                    + human(maxBytes) + " a " + what + " may have; is it the right file?");
        }
    }

    /** " (a symbolic link to T)" when {@code path} is one, so that the message names what was really looked at. */
    private static String linkNote(Path path) {
        if (!Files.isSymbolicLink(path)) {
            return "";
        }
        try {
            return " (a symbolic link to " + Files.readSymbolicLink(path) + ")";
        } catch (IOException | UnsupportedOperationException e) {
            return " (a symbolic link)";
        }
    }

    private static String kind(Path path, BasicFileAttributes attrs) {
        if (attrs.isDirectory()) {
            return "a directory";
        }
        try {
            int type = (Integer) Files.getAttribute(path, "unix:mode") & S_IFMT;
            switch (type) {
                case 0010000: return "a FIFO (named pipe)";
                case 0020000: return "a character device";
                case 0060000: return "a block device";
                case 0140000: return "a socket";
                default: break;
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            // no unix view: the generic word below
        }
        return "a special file";
    }

    /** 268435456 as "256 MiB", 3221225472 as "3.0 GiB". */
    static String human(long bytes) {
        String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        if (u == 0) {
            return bytes + " bytes";
        }
        return v == Math.rint(v) ? String.format(java.util.Locale.ROOT, "%d %s", (long) v, units[u]) : String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
