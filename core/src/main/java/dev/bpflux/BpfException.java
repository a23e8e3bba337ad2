package dev.bpflux;

/**
 * Root of every error bpflux raises. Unchecked: callers rarely can recover from a kernel refusal
 * locally, and reactive APIs deliver it through {@code onError}.
 *
 * <p>Messages say what failed, why, and what to do about it.
 */
public class BpfException extends RuntimeException {
    public BpfException(String message) {
        super(message);
    }

    public BpfException(String message, Throwable cause) {
        super(message, cause);
    }
}
