/**
 * The object loader: turns a parsed {@link dev.bpflux.obj.BpfObjectSpec} into live kernel objects, as
 * libbpf's {@code bpf_object__load} and {@code bpf_program__attach} do, in pure Java.
 *
 * <p>{@link dev.bpflux.load.BpfObject#load(dev.bpflux.obj.BpfObjectSpec, dev.bpflux.load.LoadOptions)}
 * loads the object's BTF (fixed up and sanitized for the running kernel), creates the maps and global
 * data maps the selected programs use, resolves the externs they reference, links each program with
 * its subprograms, relocates map, data, extern and CO-RE references and loads it.
 * {@link dev.bpflux.load.ObjectProgram#attach()} attaches by section name through {@code dev.bpflux.link}.
 */
package dev.bpflux.load;
