/**
 * CO-RE ("compile once, run everywhere") relocation: adjusting field offsets, sizes, existence checks,
 * type ids and enum values that clang recorded in {@code .BTF.ext} to a target kernel's BTF
 * ({@link dev.bpflux.obj.core.CoreRelocator}), and the type-compatibility rules shared with
 * {@code __ksym} resolution ({@link dev.bpflux.obj.core.CoreTypes}). Pure functions of the object's
 * BTF and the target BTFs: no IO, no native calls.
 */
package dev.bpflux.obj.core;
