/**
 * The read-only {@link io.netty.buffer.ByteBuf} view through which every reader hands a record
 * in kernel-shared memory to a decoder, without copying it.
 */
package dev.bpflux.reactor.view;
