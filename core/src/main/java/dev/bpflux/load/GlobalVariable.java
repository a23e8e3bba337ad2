package dev.bpflux.load;

import dev.bpflux.BpfException;
import dev.bpflux.map.BpfMap;
import dev.bpflux.obj.DataSectionSpec;
import dev.bpflux.obj.VariableSpec;
import dev.bpflux.obj.VariableValue;
import dev.bpflux.obj.VariableValueParser;
import dev.bpflux.sys.MappedMemory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A global variable of a loaded object, read and written in its section's map: through the mmap'd
 * value where the map is {@code BPF_F_MMAPABLE} (Linux 5.5; a plain memory access, so a read sees
 * the program's latest write), else by lookup/update of the single element (a whole-section
 * read-modify-write that can race with the program's own writes to neighbouring variables).
 *
 * <p>{@code .bss} and {@code .data*} variables are writable; {@code .rodata*} ones read-only (the map
 * is frozen: set them before load with {@link LoadOptions#withVariable}).
 */
public final class GlobalVariable {
    private final BpfObject owner;
    private final DataSectionSpec section;
    private final VariableSpec variable;
    private final BpfMap map;
    private final MappedMemory memory;

    GlobalVariable(BpfObject owner, DataSectionSpec section, VariableSpec variable, BpfMap map, MappedMemory memory) {
        this.owner = owner;
        this.section = section;
        this.variable = variable;
        this.map = map;
        this.memory = memory;
    }

    public String name() {
        return variable.name();
    }

    /** The ELF section holding it, e.g. {@code .bss}. */
    public String sectionName() {
        return section.name();
    }

    public int offset() {
        return variable.offset();
    }

    public int size() {
        return variable.size();
    }

    public boolean readOnly() {
        return section.readOnly();
    }

    /** The current bytes. */
    public byte[] read() {
        owner.checkOpen();
        if (memory != null) {
            return memory.getBytes(variable.offset(), variable.size());
        }
        byte[] all = map.lookup(new byte[4]);
        byte[] out = new byte[variable.size()];
        System.arraycopy(all, variable.offset(), out, 0, out.length);
        return out;
    }

    public long readLong() {
        return buffer(8).getLong();
    }

    public int readInt() {
        return buffer(4).getInt();
    }

    /** A {@code char[]} variable up to its first NUL. */
    public String readString() {
        byte[] b = read();
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    private ByteBuffer buffer(int size) {
        if (variable.size() != size) {
            throw new BpfException("global '" + name() + "' is " + variable.size() + " bytes, not " + size);
        }
        return ByteBuffer.wrap(read()).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code value}, exactly {@link #size()} bytes, little-endian, checked against the
     * variable's BTF type as before load (a {@code bool} takes 0 or 1 only).
     */
    public void write(byte[] value) {
        write(new VariableValue.Raw(value));
    }

    private void store(byte[] value) {
        owner.checkOpen();
        if (section.readOnly()) {
            throw new BpfException("global '" + name() + "' is in " + section.name() + ", which is frozen after load; "
                    + "set it before load with LoadOptions.withVariable(\"" + name() + "\", ...)");
        }
        if (value.length != variable.size()) {
            throw new BpfException("global '" + name() + "' is " + variable.size() + " bytes, got " + value.length);
        }
        if (memory != null) {
            memory.putBytes(variable.offset(), value);
            return;
        }
        byte[] key = new byte[4];
        byte[] all = map.lookup(key);
        System.arraycopy(value, 0, all, variable.offset(), value.length);
        map.update(key, all);
    }

    /**
     * Writes a value given as text or as a Java value, checked against the variable's BTF type and encoded
     * as {@link LoadOptions#withVariable(String, String)} does before load: {@code write("42")},
     * {@code write("MODE_FAST")}, {@code write("true")}; a value that does not fit throws, naming the
     * variable, its C type and the value.
     */
    public void write(VariableValue value) {
        owner.checkOpen();
        store(VariableValueParser.encode(owner.spec().btf().orElse(null), section.name(), variable, value));
    }

    /** {@link #write(VariableValue)} of text parsed by the variable's type, e.g. {@code "0x10"} or {@code "true"}. */
    public void write(String text) {
        write(new VariableValue.Text(text));
    }

    /** Writes a 64-bit integer, checked against the variable's type (width, signedness, range). */
    public void writeLong(long v) {
        write(new VariableValue.Integral(v, 64));
    }

    /** Writes a 32-bit integer, checked against the variable's type (width, signedness, range). */
    public void writeInt(int v) {
        write(new VariableValue.Integral(v, 32));
    }

    @Override
    public String toString() {
        return "GlobalVariable[" + section.name() + " " + name() + " @" + offset() + ", " + size() + " bytes]";
    }
}
