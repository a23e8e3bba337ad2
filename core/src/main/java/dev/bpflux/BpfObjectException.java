package dev.bpflux;

/**
 * A BPF ELF object, its BTF or BTF.ext is malformed or uses something bpflux does not accept.
 * The message names the file, the section and the byte offset where parsing stopped.
 */
public class BpfObjectException extends BpfException {
    private final String file;
    private final String section;
    private final long offset;

    public BpfObjectException(String file, String section, long offset, String problem) {
        super(format(file, section, offset, problem));
        this.file = file;
        this.section = section;
        this.offset = offset;
    }

    public BpfObjectException(String file, String section, long offset, String problem, Throwable cause) {
        super(format(file, section, offset, problem), cause);
        this.file = file;
        this.section = section;
        this.offset = offset;
    }

    private static String format(String file, String section, long offset, String problem) {
        StringBuilder sb = new StringBuilder();
        sb.append(file == null ? "<memory>" : file);
        if (section != null) {
            sb.append(": section ").append(section);
        }
        if (offset >= 0) {
            sb.append(" at offset 0x").append(Long.toHexString(offset));
        }
        return sb.append(": ").append(problem).toString();
    }

    /** The object's file name, or {@code null} when it was parsed from memory. */
    public String file() {
        return file;
    }

    /** The section being parsed, or {@code null} for the ELF header. */
    public String section() {
        return section;
    }

    /** Byte offset of the problem within the section (or the file), or -1 when unknown. */
    public long offset() {
        return offset;
    }
}
