package dev.bpflux.obj;

import dev.bpflux.obj.btf.BtfType;

/**
 * A global variable in a {@link DataSectionSpec}.
 *
 * @param name    the variable's name
 * @param offset  byte offset within the section
 * @param size    size in bytes
 * @param typeId  BTF id of the variable's type (the VAR's type), 0 without BTF
 * @param linkage VAR linkage: STATIC for {@code static} variables, GLOBAL_ALLOCATED otherwise
 */
public record VariableSpec(String name, int offset, int size, int typeId, BtfType.VarLinkage linkage) {
}
