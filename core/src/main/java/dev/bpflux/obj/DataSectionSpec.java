package dev.bpflux.obj;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;

/**
 * A global data section ({@code .data}, {@code .rodata}, {@code .bss}, {@code .data.*},
 * {@code .rodata.*}) that the loader turns into a single-entry array map (Linux 5.2), frozen when
 * read-only. Immutable; {@link #withVariable} makes a copy with a variable's initial value changed.
 *
 * @param name      the ELF section name
 * @param size      the section's size in bytes
 * @param readOnly  {@code .rodata*}: the map is frozen after its value is written
 * @param btfTypeId the BTF DATASEC's id, 0 when the BTF has none
 * @param variables the variables with their offsets, in offset order
 */
public record DataSectionSpec(String name, int size, boolean readOnly, int btfTypeId, List<VariableSpec> variables,
                              byte[] initialBytes) {
    public DataSectionSpec {
        variables = List.copyOf(variables);
        initialBytes = initialBytes.clone();
        if (initialBytes.length != size) {
            throw new IllegalArgumentException("initial bytes " + initialBytes.length + " != size " + size);
        }
    }

    /** A copy of the initial value (zeros for {@code .bss}). */
    @Override
    public byte[] initialBytes() {
        return initialBytes.clone();
    }

    /** The initial value as a read-only little-endian buffer. */
    public ByteBuffer initialValue() {
        return ByteBuffer.wrap(initialBytes).asReadOnlyBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN);
    }

    /** {@code .bss}-like: initialized to zeros. */
    public boolean isBss() {
        return name.equals(".bss") || name.startsWith(".bss.");
    }

    public Optional<VariableSpec> variable(String varName) {
        for (VariableSpec v : variables) {
            if (v.name().equals(varName)) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    /**
     * A copy with variable {@code varName} initialized to {@code value}, which must be exactly the
     * variable's size (little-endian, as the BPF program reads it).
     */
    public DataSectionSpec withVariable(String varName, byte[] value) {
        VariableSpec v = variable(varName).orElseThrow(() -> new IllegalArgumentException(
                "no variable '" + varName + "' in " + name + "; variables: " + variables.stream()
                        .map(VariableSpec::name).toList()));
        if (value.length != v.size()) {
            throw new IllegalArgumentException("variable '" + varName + "' in " + name + " is " + v.size()
                    + " bytes, got " + value.length);
        }
        byte[] copy = initialBytes.clone();
        System.arraycopy(value, 0, copy, v.offset(), value.length);
        return new DataSectionSpec(name, size, readOnly, btfTypeId, variables, copy);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DataSectionSpec && ((DataSectionSpec) o).name.equals(name)
                && ((DataSectionSpec) o).size == size && ((DataSectionSpec) o).readOnly == readOnly
                && ((DataSectionSpec) o).btfTypeId == btfTypeId && ((DataSectionSpec) o).variables.equals(variables)
                && java.util.Arrays.equals(((DataSectionSpec) o).initialBytes, initialBytes);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + java.util.Arrays.hashCode(initialBytes);
    }

    @Override
    public String toString() {
        return "DataSectionSpec[" + name + ", " + size + " bytes, " + variables.size() + " variables]";
    }
}
