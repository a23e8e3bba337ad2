package dev.bpflux.obj;

/** A map's {@code pinning} attribute ({@code enum libbpf_pin_type}). */
public enum PinType {
    /** Not pinned. */
    NONE(0),
    /** Pinned in the pin root directory (default {@code /sys/fs/bpf}) under the map's name; reused if present. */
    BY_NAME(1);

    private final int value;

    PinType(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }
}
