package dev.bpflux.load;

import dev.bpflux.BpfException;
import dev.bpflux.sys.BpfFilesystem;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The pins one load or {@link BpfObject#pinAll} made and the directories made for them, so that a
 * failure removes exactly those: never a pin that existed before (a by-name map reused), never a
 * directory that holds something else. A pin is always one file name directly under the chosen
 * directory, which must be on bpffs.
 */
final class PinTransaction {
    private final List<Path> pins = new ArrayList<>();
    private final List<Path> directories = new ArrayList<>();
    /** Directories already made sure of: a load asks once per map pinned by name. */
    private final Set<Path> ready = new HashSet<>();

    /**
     * {@code dir/name}, when {@code name} is one file name. Object names are hostile input: a map or
     * program named {@code ../../x} would otherwise be pinned outside {@code dir}. On Linux a file
     * name is anything but "", "." and ".." without '/' or NUL, and those stay in {@code dir}.
     *
     * @param what names the pinned thing for the error, e.g. {@code "map 'counts' of trace.bpf.o"}
     */
    static Path path(Path dir, String name, String what) {
        String why = name.isEmpty() ? "is empty"
                : name.indexOf('\0') >= 0 ? "contains a NUL byte"
                : name.indexOf('/') >= 0 ? "contains '/'"
                : name.equals(".") || name.equals("..") ? "is '" + name + "'"
                : null;
        if (why != null) {
            throw new BpfException(what + " cannot be pinned in " + dir + ": its name " + why
                    + ", so the pin would not be a file of that directory; rename it in the object's source");
        }
        return dir.resolve(name);
    }

    /**
     * Makes sure {@code dir} is a directory on bpffs, creating it when missing: only its last level,
     * as libbpf does for its pin root (mode 0700), and only inside bpffs. bpffs is mounted at
     * /sys/fs/bpf first when {@code dir} is under it and the machine booted without it.
     */
    void directory(Path dir) {
        if (dir.toString().isEmpty()) {
            throw new BpfException("the pin directory is an empty path; name a directory on bpffs, "
                    + "e.g. /sys/fs/bpf/myapp");
        }
        if (ready.contains(dir)) {
            return;
        }
        BpfFilesystem.mountIfMissing(dir);
        if (Files.isDirectory(dir)) {
            requireBpffs(dir);
            ready.add(dir);
            return;
        }
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new BpfException("the pin directory " + dir + " exists but is not a directory");
        }
        Path parent = dir.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new BpfException("cannot create the pin directory " + dir + ": " + parent + " does not exist; "
                    + "bpflux creates only the last level, as libbpf does (create " + parent + " first)");
        }
        if (!BpfFilesystem.holds(parent)) {
            throw new BpfException("cannot create the pin directory " + dir + ": " + BpfFilesystem.notBpffs(parent));
        }
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            directories.add(dir);
            ready.add(dir);
        } catch (FileAlreadyExistsException madeMeanwhile) {
            ready.add(dir); // another process made it between the check and here: use it
        } catch (IOException e) {
            throw new BpfException("cannot create the pin directory " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void requireBpffs(Path dir) {
        if (!BpfFilesystem.holds(dir)) {
            throw new BpfException(BpfFilesystem.notBpffs(dir));
        }
    }

    /** Pins at {@code path} with {@code pinner} and records the pin. */
    void pin(Path path, Consumer<Path> pinner) {
        pinner.accept(path);
        pins.add(path);
    }

    /** Records what {@code other} made as made here too: it is then undone with this. */
    void adopt(PinTransaction other) {
        pins.addAll(other.pins);
        directories.addAll(other.directories);
        other.pins.clear();
        other.directories.clear();
    }

    /** Undoes everything, adding what could not be undone to {@code failure} as suppressed exceptions. */
    void rollback(Throwable failure) {
        undo().forEach(failure::addSuppressed);
    }

    /**
     * Removes the recorded pins, newest first, then the recorded directories that are empty; a pin
     * already gone is fine. Returns what could not be removed.
     */
    List<IOException> undo() {
        List<IOException> problems = new ArrayList<>();
        for (int i = pins.size() - 1; i >= 0; i--) {
            try {
                Files.deleteIfExists(pins.get(i));
            } catch (IOException e) {
                problems.add(e);
            }
        }
        for (int i = directories.size() - 1; i >= 0; i--) {
            try {
                Files.deleteIfExists(directories.get(i));
            } catch (DirectoryNotEmptyException notOnlyOurs) {
                // something else was put there since: not ours to remove
            } catch (IOException e) {
                problems.add(e);
            }
        }
        pins.clear();
        directories.clear();
        ready.clear();
        return problems;
    }
}
