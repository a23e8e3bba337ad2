/**
 * The {@code bpflux} command-line tool (picocli): {@code bpflux inspect} shows what an object contains
 * and how its externs resolve on this kernel; {@code bpflux load} loads it with {@code dev.bpflux.load},
 * prints the kernel ids and can pin everything. Run it with {@code samples/bin/bpflux}.
 */
package dev.bpflux.samples.cli;
