package dev.bpflux;

/**
 * The running kernel lacks a feature the object or the call needs. The message names the feature
 * and, where known, the kernel version or config option that provides it. When it is bpflux, not the
 * kernel, that lacks the feature ({@link #inBpflux}), the message says so instead.
 */
public class BpfNotSupportedException extends BpfException {
    private final String feature;
    private final boolean missingInBpflux;

    public BpfNotSupportedException(String feature, String detail) {
        super(feature + " is not supported by this kernel: " + detail);
        this.feature = feature;
        this.missingInBpflux = false;
    }

    public BpfNotSupportedException(String feature, String detail, Throwable cause) {
        super(feature + " is not supported by this kernel: " + detail, cause);
        this.feature = feature;
        this.missingInBpflux = false;
    }

    private BpfNotSupportedException(String feature, String detail, boolean missingInBpflux) {
        super("bpflux does not support " + feature + " yet: " + detail);
        this.feature = feature;
        this.missingInBpflux = missingInBpflux;
    }

    /**
     * bpflux itself lacks {@code feature}, whatever the kernel offers: the message reads
     * {@code "bpflux does not support <feature> yet: <detail>"}, so nobody upgrades a kernel for it.
     */
    public static BpfNotSupportedException inBpflux(String feature, String detail) {
        return new BpfNotSupportedException(feature, detail, true);
    }

    /** Whether it is bpflux, not the kernel, that lacks the feature. */
    public boolean missingInBpflux() {
        return missingInBpflux;
    }

    /** The missing feature, e.g. {@code "kprobe attach"} or {@code "BPF_MAP_TYPE_RINGBUF"}. */
    public String feature() {
        return feature;
    }
}
