package dev.bpflux;

/**
 * The running kernel lacks a feature the object or the call needs. The message names the feature
 * and, where known, the kernel version or config option that provides it.
 */
public class BpfNotSupportedException extends BpfException {
    private final String feature;

    public BpfNotSupportedException(String feature, String detail) {
        super(feature + " is not supported by this kernel: " + detail);
        this.feature = feature;
    }

    public BpfNotSupportedException(String feature, String detail, Throwable cause) {
        super(feature + " is not supported by this kernel: " + detail, cause);
        this.feature = feature;
    }

    /** The missing feature, e.g. {@code "kprobe attach"} or {@code "BPF_MAP_TYPE_RINGBUF"}. */
    public String feature() {
        return feature;
    }
}
