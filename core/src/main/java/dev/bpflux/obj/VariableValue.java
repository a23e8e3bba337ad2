package dev.bpflux.obj;

import java.util.HexFormat;

/**
 * A value a user gives for a global variable before load, as given: text to parse by the variable's
 * BTF type ({@code bpflux load --set}), a Java number, boolean or string, or raw bytes.
 * {@link VariableValueParser#encode} checks it against the variable's type and turns it into the bytes
 * the program reads.
 */
public sealed interface VariableValue {
    /** How the value reads in an error message, e.g. {@code "abc"} or {@code -1 (a Java int)}. */
    String describe();

    /** Text as typed on a command line, parsed by the variable's type: {@code 42}, {@code 0x2a}, {@code true}, {@code MODE_FAST}, {@code a,b}. */
    record Text(String text) implements VariableValue {
        public Text {
            java.util.Objects.requireNonNull(text, "text");
        }

        public String describe() {
            return quote(text);
        }
    }

    /**
     * A Java integer of {@code bits} bits ({@code short} 16, {@code int} 32, {@code long} 64); the number must
     * fit the variable's range, except that into an unsigned variable of the same width it is the bit
     * pattern (Java has no unsigned types: {@code (short) 50000}, {@code 0x80000000}).
     */
    record Integral(long value, int bits) implements VariableValue {
        public Integral {
            if (bits != 8 && bits != 16 && bits != 32 && bits != 64) {
                throw new IllegalArgumentException("a Java integer has 8, 16, 32 or 64 bits, not " + bits);
            }
            if (bits < 64 && (value < -(1L << (bits - 1)) || value >= 1L << (bits - 1))) {
                throw new IllegalArgumentException(value + " does not fit a " + bits + "-bit Java integer");
            }
        }

        public String describe() {
            String type = switch (bits) {
                case 8 -> "byte";
                case 16 -> "short";
                case 32 -> "int";
                default -> "long";
            };
            return value + " (a Java " + type + ")";
        }
    }

    /** A Java {@code boolean}. */
    record Bool(boolean value) implements VariableValue {
        public String describe() {
            return value + " (a Java boolean)";
        }
    }

    /** A string for a {@code char[N]} variable only (UTF-8, NUL-terminated, zero-filled). */
    record CharArray(String value) implements VariableValue {
        public CharArray {
            java.util.Objects.requireNonNull(value, "value");
        }

        public String describe() {
            return quote(value) + " (a string)";
        }
    }

    /** Bytes as the program reads them (little-endian); exactly the variable's size. */
    record Raw(byte[] bytes) implements VariableValue {
        public Raw {
            bytes = bytes.clone();
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        public String describe() {
            String hex = HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 16));
            return bytes.length + " bytes (" + hex + (bytes.length > 16 ? "..." : "") + ")";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Raw r && java.util.Arrays.equals(r.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Raw[" + describe() + "]";
        }
    }

    /** {@code s} in double quotes, control characters escaped and long text cut, so a message stays one line. */
    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        int max = 80;
        for (int i = 0; i < s.length() && i < max; i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (s.length() > max) {
            b.append("...\" (").append(s.length()).append(" characters)");
            return b.toString();
        }
        return b.append('"').toString();
    }
}
