package dev.bpflux.sys;

/**
 * BPF_PROG_GET_NEXT_ID, MAP_GET_NEXT_ID (4.13), BTF_GET_NEXT_ID (5.4), LINK_GET_NEXT_ID (5.8): the
 * smallest object id greater than {@code start_id}; ENOENT after the last.
 * <pre> 0 u32 start_id  4 u32 next_id (output)  8 u32 open_flags  = 12 bytes</pre>
 */
public final class GetNextId extends BpfAttr {
    public GetNextId(BpfCommand command) {
        super(command, 12);
    }

    public GetNextId startId(int v) { u32(0, v); return this; }

    /** The id the kernel returned. */
    public int nextId() { return readU32(4); }
}
