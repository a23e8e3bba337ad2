package dev.bpflux.obj.extern;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Encodes a kernel config value (the text after {@code CONFIG_X=}) as the bytes of a
 * {@code __kconfig} extern of a given {@link KconfigType} and size, with libbpf's rules:
 *
 * <ul>
 * <li>{@code y}, {@code n}, {@code m}: {@code bool} gets 1/0 ({@code m} is an error: a module is not a
 * boolean), {@code enum libbpf_tristate} gets TRI_YES=1 / TRI_NO=0 / TRI_MODULE=2, {@code char} gets
 * the letter itself; integers and strings reject them.</li>
 * <li>{@code "text"}: only char arrays; copied without the quotes and NUL-terminated, truncated to
 * size-1 bytes with a warning when longer (libbpf truncates too); no escape processing, as libbpf.</li>
 * <li>anything else is an integer, read like C's {@code strtoull(s, &end, 0)}: decimal, {@code 0x} hex or
 * leading-0 octal, an optional sign ({@code -1} wraps to 2^64-1); the whole text must be consumed.
 * Integers go to integers, chars and bools (0/1 only), and must fit the extern's size: a signed extern
 * takes [-2^(n-1), 2^(n-1)-1] (as the 64-bit pattern), an unsigned one [0, 2^n-1]; 8-byte externs
 * take any value.</li>
 * </ul>
 */
public final class KconfigValues {
    /** {@code enum libbpf_tristate}. */
    public static final int TRI_NO = 0;
    public static final int TRI_YES = 1;
    public static final int TRI_MODULE = 2;

    private KconfigValues() {
    }

    /** A value could not be converted; the message says why. */
    public static final class KconfigValueException extends dev.bpflux.BpfException {
        public KconfigValueException(String message) {
            super(message);
        }
    }

    /**
     * Encodes {@code value} for extern {@code name}. Warnings (string truncation) are added to
     * {@code warnings}.
     *
     * @throws KconfigValueException when the value does not suit the type or does not fit
     */
    public static byte[] encode(String name, String value, KconfigType type, int size, boolean signed,
                                List<String> warnings) {
        if (value.isEmpty()) {
            throw new KconfigValueException("extern (kconfig) '" + name + "': empty value");
        }
        char c0 = value.charAt(0);
        if ((c0 == 'y' || c0 == 'n' || c0 == 'm')) {
            // libbpf looks only at the first character here ("yes" reads as 'y').
            return tristate(name, c0, type, size);
        }
        if (c0 == '"') {
            return string(name, value, type, size, warnings);
        }
        long num = parseU64(name, value);
        if (type != KconfigType.INT && type != KconfigType.CHAR && type != KconfigType.BOOL) {
            throw new KconfigValueException("extern (kconfig) '" + name + "': value '" + value
                    + "' is an integer, but the extern is " + describe(type));
        }
        return number(name, num, type, size, signed);
    }

    /** Encodes a number (virtual externs, user values) with the same range checks. */
    public static byte[] number(String name, long value, KconfigType type, int size, boolean signed) {
        if (type != KconfigType.INT && type != KconfigType.CHAR && type != KconfigType.BOOL) {
            throw new KconfigValueException("extern (kconfig) '" + name + "': value " + Long.toUnsignedString(value)
                    + " needs an integer, char or bool extern, not " + describe(type));
        }
        if (type == KconfigType.BOOL && Long.compareUnsigned(value, 1) > 0) {
            throw new KconfigValueException("extern (kconfig) '" + name + "': value " + Long.toUnsignedString(value)
                    + " is not a bool (0 or 1)");
        }
        if (!inRange(value, size, signed)) {
            throw new KconfigValueException("extern (kconfig) '" + name + "': value " + (signed ? Long.toString(value)
                    : Long.toUnsignedString(value)) + " does not fit in " + (signed ? "a signed " : "an unsigned ")
                    + size + "-byte integer");
        }
        return littleEndian(value, size);
    }

    /** libbpf's is_kcfg_value_in_range. */
    static boolean inRange(long v, int size, boolean signed) {
        if (size >= 8) {
            return true;
        }
        int bits = size * 8;
        if (signed) {
            return Long.compareUnsigned(v + (1L << (bits - 1)), 1L << bits) < 0;
        }
        return (v >>> bits) == 0;
    }

    private static byte[] tristate(String name, char v, KconfigType type, int size) {
        switch (type) {
            case BOOL:
                if (v == 'm') {
                    throw new KconfigValueException("extern (kconfig) '" + name + "': value 'm' (module) needs "
                            + "enum libbpf_tristate or char, not bool");
                }
                return littleEndian(v == 'y' ? 1 : 0, size);
            case TRISTATE:
                return littleEndian(v == 'y' ? TRI_YES : v == 'm' ? TRI_MODULE : TRI_NO, size);
            case CHAR:
                return littleEndian(v, size);
            default:
                throw new KconfigValueException("extern (kconfig) '" + name + "': value '" + v
                        + "' needs bool, enum libbpf_tristate or char, not " + describe(type));
        }
    }

    private static byte[] string(String name, String value, KconfigType type, int size, List<String> warnings) {
        if (type != KconfigType.CHAR_ARRAY) {
            throw new KconfigValueException("extern (kconfig) '" + name + "': value " + value
                    + " is a string and needs a char array, not " + describe(type));
        }
        if (value.length() < 2 || value.charAt(value.length() - 1) != '"') {
            throw new KconfigValueException("extern (kconfig) '" + name + "': invalid string " + value
                    + " (no closing quote)");
        }
        byte[] text = value.substring(1, value.length() - 1).getBytes(StandardCharsets.UTF_8);
        int len = text.length;
        if (len >= size) {
            warnings.add("extern (kconfig) '" + name + "': string " + value + " (" + len + " bytes) truncated to "
                    + (size - 1) + " bytes");
            len = size - 1;
        }
        byte[] out = new byte[size];
        System.arraycopy(text, 0, out, 0, len);
        return out;
    }

    /** C {@code strtoull(s, &end, 0)} with the whole string consumed. */
    static long parseU64(String name, String s) {
        int i = 0;
        int n = s.length();
        boolean neg = false;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            neg = s.charAt(i) == '-';
            i++;
        }
        int radix = 10;
        if (i + 1 < n && s.charAt(i) == '0' && (s.charAt(i + 1) == 'x' || s.charAt(i + 1) == 'X')) {
            radix = 16;
            i += 2;
        } else if (i < n && s.charAt(i) == '0' && i + 1 < n) {
            radix = 8;
            i++;
        }
        if (i >= n) {
            throw notInteger(name, s);
        }
        long v = 0;
        for (; i < n; i++) {
            int d = Character.digit(s.charAt(i), radix);
            if (d < 0) {
                throw notInteger(name, s);
            }
            long next = v * radix + d;
            // strtoull reports ERANGE on overflow; libbpf then rejects the value.
            if (Long.compareUnsigned(v, Long.divideUnsigned(-1L, radix)) > 0 || Long.compareUnsigned(next, v * radix) < 0) {
                throw new KconfigValueException("extern (kconfig) '" + name + "': value '" + s
                        + "' does not fit in 64 bits");
            }
            v = next;
        }
        return neg ? -v : v;
    }

    private static KconfigValueException notInteger(String name, String s) {
        return new KconfigValueException("extern (kconfig) '" + name + "': value '" + s + "' is not y/n/m, a quoted "
                + "string or an integer");
    }

    static byte[] littleEndian(long v, int size) {
        ByteBuffer b = ByteBuffer.allocate(Math.max(size, 8)).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, v);
        byte[] out = new byte[size];
        System.arraycopy(b.array(), 0, out, 0, Math.min(size, 8));
        return out;
    }

    static String describe(KconfigType type) {
        switch (type) {
            case BOOL: return "bool";
            case CHAR: return "char";
            case INT: return "an integer";
            case TRISTATE: return "enum libbpf_tristate";
            case CHAR_ARRAY: return "a char array";
            default: return "an unsupported type";
        }
    }
}
