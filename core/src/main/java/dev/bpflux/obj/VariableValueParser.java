package dev.bpflux.obj;

import dev.bpflux.BpfException;
import dev.bpflux.obj.btf.Btf;
import dev.bpflux.obj.btf.BtfKind;
import dev.bpflux.obj.btf.BtfType;
import dev.bpflux.obj.btf.CTypeName;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a {@link VariableValue} into the bytes of a global variable, by the variable's BTF type
 * (typedefs, {@code const} and {@code volatile} resolved), or rejects it. What each type takes:
 * <ul>
 *   <li>integers of any width and signedness: decimal or {@code 0x} hex, {@code -} where signed,
 *       within the type's range; a decimal with a leading {@code 0} is refused (C reads it as octal);
 *   <li>{@code bool}: {@code true}, {@code false}, {@code 1}, {@code 0};
 *   <li>enums: an enumerator's name or an integer within the enum's storage;
 *   <li>{@code char[N]}: text of at most N-1 UTF-8 bytes, NUL-terminated and zero-filled;
 *   <li>arrays of integers, bools or enums: up to N comma-separated elements, the rest zero;
 *   <li>anything else (float, pointer, struct, union): raw bytes only.
 * </ul>
 * A rejection is an {@link BpfException} naming the variable, its C type, the value, why,
 * and what the variable would take. Pure: no kernel, no JNA.
 */
public final class VariableValueParser {
    /** Longer text is no integer any variable holds (an {@code __int128} is 39 digits); stops a huge parse. */
    private static final int MAX_NUMBER_TEXT = 64;
    /** Enumerators listed in a message before "...". */
    private static final int MAX_LISTED_ENUMERATORS = 12;

    private VariableValueParser() {
    }

    /**
     * The bytes variable {@code name} of {@code spec} takes for {@code value}, exactly its size,
     * little-endian as the program reads it.
     *
     * @throws BpfException when the object has no such variable or the value does not fit its type
     */
    public static byte[] encode(BpfObjectSpec spec, String name, VariableValue value) {
        for (DataSectionSpec d : spec.dataSections()) {
            var v = d.variable(name);
            if (v.isPresent()) {
                return encode(spec.btf().orElse(null), d.name(), v.get(), value);
            }
        }
        List<String> all = new ArrayList<>();
        spec.dataSections().forEach(d -> d.variables().forEach(v -> all.add(v.name())));
        throw new BpfException("cannot set global '" + name + "': " + spec.name()
                + " has no global variable '" + name + "'; its globals: " + all);
    }

    /**
     * The bytes {@code variable} (in section {@code section}) takes for {@code value}. {@code btf} is the
     * object's BTF, null when it has none: then only the variable's size is known and text must be an
     * integer that fits it.
     */
    public static byte[] encode(Btf btf, String section, VariableSpec variable, VariableValue value) {
        Shape shape = shapeOf(btf, variable);
        try {
            if (value instanceof VariableValue.Raw r) {
                return raw(variable.size(), shape, r.bytes());
            } else if (value instanceof VariableValue.Text x) {
                return text(shape, x.text());
            } else if (value instanceof VariableValue.Integral i) {
                return integral(shape, BigInteger.valueOf(i.value()), i.bits());
            } else if (value instanceof VariableValue.Bool b) {
                return bool(shape, b.value());
            } else {
                return charArray(shape, variable.size(), ((VariableValue.CharArray) value).value());
            }
        } catch (Rejected r) {
            String cType = btf == null || variable.typeId() == 0 ? variable.size() + "-byte variable without BTF"
                    : CTypeName.describe(btf, variable.typeId());
            throw new BpfException("cannot set global '" + variable.name() + "' (" + cType + ", in "
                    + section + ") to " + value.describe() + ": " + r.why + "; " + r.accepted);
        }
    }

    // ---- what a variable's type takes

    /** The kinds of value a variable's type takes. */
    private sealed interface Shape {
        /** What a message says the variable would take. */
        String accepts();

        /** An integer of {@code bits} bits stored in {@code size} bytes. */
        record Int(int size, int bits, boolean signed) implements Shape {
            BigInteger min() {
                return signed ? BigInteger.ONE.shiftLeft(bits - 1).negate() : BigInteger.ZERO;
            }

            BigInteger max() {
                return BigInteger.ONE.shiftLeft(signed ? bits - 1 : bits).subtract(BigInteger.ONE);
            }

            public String accepts() {
                return "it takes an integer from " + min() + " to " + max() + ", in decimal or in hex with 0x";
            }
        }

        record Bool(int size) implements Shape {
            public String accepts() {
                return "it takes true, false, 1 or 0";
            }
        }

        record Enum(String cName, Int storage, List<BtfType.EnumValue> values) implements Shape {
            public String accepts() {
                List<String> names = values.stream().map(BtfType.EnumValue::name).toList();
                String listed = names.size() <= MAX_LISTED_ENUMERATORS ? String.join(", ", names)
                        : String.join(", ", names.subList(0, MAX_LISTED_ENUMERATORS)) + ", ...";
                return "it takes an enumerator of " + cName + " (" + listed + ") or an integer from "
                        + storage.min() + " to " + storage.max();
            }
        }

        /** {@code char[length]}: a NUL-terminated string. */
        record Chars(int length) implements Shape {
            public String accepts() {
                return "it takes text of at most " + (length - 1) + " bytes in UTF-8 (its NUL terminator takes "
                        + "the last of the " + length + ")";
            }
        }

        /** An array of {@code length} integers, bools or enums of {@code elementSize} bytes each. */
        record Elements(int length, int elementSize, Shape element) implements Shape {
            public String accepts() {
                String each = element.accepts().replaceFirst("^it takes ", "");
                return "it takes up to " + length + " comma-separated elements (the rest are 0), each " + each;
            }
        }

        /** No BTF: only the size is known. */
        record Untyped(int size) implements Shape {
            Int asInt() {
                return new Int(size, size * 8, false);
            }

            public String accepts() {
                BigInteger min = BigInteger.ONE.shiftLeft(size * 8 - 1).negate();
                return "the object has no BTF for it, so bpflux knows only its size: it takes an integer from "
                        + min + " to " + asInt().max() + " (or, from Java, its " + size + " bytes)";
            }
        }

        /** A float, pointer, struct, union or nested array: raw bytes only. */
        record Unsupported(String what, int size) implements Shape {
            public String accepts() {
                return "bpflux parses integers, bool, enums, char arrays and arrays of integers, not " + what
                        + "; set its " + size + " bytes from Java with LoadOptions.withVariable(name, byte[])";
            }
        }
    }

    private static Shape shapeOf(Btf btf, VariableSpec v) {
        if (btf == null || v.typeId() == 0) {
            return new Shape.Untyped(v.size());
        }
        long typeSize = btf.sizeOf(v.typeId());
        if (typeSize != v.size()) {
            throw new BpfException("cannot set global '" + v.name() + "': its BTF type "
                    + CTypeName.describe(btf, v.typeId()) + " is " + typeSize + " bytes but the object gives the "
                    + "variable " + v.size() + " (an inconsistent object)");
        }
        int id = btf.skipModifiers(v.typeId());
        BtfType type = btf.type(id);
        if (type instanceof BtfType.Array a) {
            int elemDeclared = btf.skipQualifiers(a.elemType());
            int elem = btf.skipModifiers(a.elemType());
            BtfType e = btf.type(elem);
            if (a.nelems() == 0) {
                return new Shape.Unsupported("an empty array", v.size());
            }
            if (e instanceof BtfType.Int i && i.size() == 1 && btf.kind(elemDeclared) == BtfKind.INT
                    && i.name().contains("char")) {
                return new Shape.Chars(a.nelems());
            }
            Shape element = scalar(btf, elem, e);
            if (element == null) {
                return new Shape.Unsupported("an array of " + CTypeName.of(btf, a.elemType()), v.size());
            }
            return new Shape.Elements(a.nelems(), (int) btf.sizeOf(elem), element);
        }
        Shape s = scalar(btf, id, type);
        return s != null ? s : new Shape.Unsupported(what(type), v.size());
    }

    /** An integer, bool or enum type's shape; null for any other type. */
    private static Shape scalar(Btf btf, int id, BtfType type) {
        if (type instanceof BtfType.Int i) {
            if (i.size() == 0) {
                return null;
            }
            if ((i.encoding() & BtfType.Int.BOOL) != 0) {
                return new Shape.Bool(i.size());
            }
            int bits = i.bits() > 0 && i.bits() <= i.size() * 8 && i.bitOffset() == 0 ? i.bits() : i.size() * 8;
            return new Shape.Int(i.size(), bits, i.isSigned());
        }
        if (type instanceof BtfType.Enum e && e.size() > 0 && e.size() <= 8) {
            return new Shape.Enum(CTypeName.of(btf, id), new Shape.Int(e.size(), e.size() * 8, e.signed()), e.values());
        }
        if (type instanceof BtfType.Enum64 e && e.size() > 0 && e.size() <= 8) {
            return new Shape.Enum(CTypeName.of(btf, id), new Shape.Int(e.size(), e.size() * 8, e.signed()), e.values());
        }
        return null;
    }

    private static String what(BtfType type) {
        switch (type.kind()) {
            case FLOAT:
                return "floating-point numbers";
            case PTR:
                return "pointers";
            case STRUCT:
                return "structs";
            case UNION:
                return "unions";
            default:
                return type.kind().name().toLowerCase() + " types";
        }
    }

    // ---- encoding each kind of value

    private static byte[] raw(int size, Shape shape, byte[] bytes) {
        if (bytes.length != size) {
            throw new Rejected("it is " + size + " bytes, the value " + bytes.length, "give exactly " + size
                    + " bytes, little-endian");
        }
        if (shape instanceof Shape.Bool && bytes[0] != 0 && bytes[0] != 1) {
            throw new Rejected("a bool holds 0 or 1", "give {0} or {1}, or use LoadOptions.withVariable(name, boolean)");
        }
        return bytes;
    }

    private static byte[] text(Shape shape, String text) {
        if (shape instanceof Shape.Chars c) {
            return chars(c.length(), text);
        }
        if (shape instanceof Shape.Elements l) {
            return list(l, text);
        }
        if (shape instanceof Shape.Unsupported u) {
            throw new Rejected("it is not a type bpflux parses", u.accepts());
        }
        return scalarText(shape, text, shape);
    }

    /** One integer, bool or enum (or untyped integer) from text; {@code whole} is what the message describes. */
    private static byte[] scalarText(Shape shape, String text, Shape whole) {
        if (shape instanceof Shape.Bool b) {
            if (text.equalsIgnoreCase("true") || text.equals("1")) {
                return le(BigInteger.ONE, b.size());
            }
            if (text.equalsIgnoreCase("false") || text.equals("0")) {
                return le(BigInteger.ZERO, b.size());
            }
            throw new Rejected(text.isEmpty() ? "the value is empty" : "not a bool", whole.accepts());
        }
        if (shape instanceof Shape.Enum e) {
            for (BtfType.EnumValue v : e.values()) {
                if (v.name().equals(text)) {
                    return inRange(e.storage(), BigInteger.valueOf(v.value()), whole);
                }
            }
            return inRange(e.storage(), parseInteger(text, "neither an enumerator of " + e.cName()
                    + " nor an integer", whole), whole);
        }
        if (shape instanceof Shape.Int i) {
            return inRange(i, parseInteger(text, "not an integer", whole), whole);
        }
        if (shape instanceof Shape.Untyped u) {
            return untypedInRange(u, parseInteger(text, "not an integer", whole));
        }
        throw new IllegalStateException("not a scalar: " + shape);
    }

    /** A Java integer of {@code javaBits} bits. */
    private static byte[] integral(Shape shape, BigInteger n, int javaBits) {
        if (shape instanceof Shape.Int i) {
            return inRange(i, sameWidthUnsigned(i, n, javaBits), shape);
        }
        if (shape instanceof Shape.Enum e) {
            return inRange(e.storage(), sameWidthUnsigned(e.storage(), n, javaBits), shape);
        }
        if (shape instanceof Shape.Untyped u) {
            return untypedInRange(u, n);
        }
        if (shape instanceof Shape.Bool b) {
            if (n.signum() != 0 && !n.equals(BigInteger.ONE)) {
                throw new Rejected("a bool holds 0 or 1", "use LoadOptions.withVariable(name, boolean), or give 0 or 1");
            }
            return le(n, b.size());
        }
        if (shape instanceof Shape.Chars c) {
            throw new Rejected("a char array takes text, not a number", "use LoadOptions.withVariable(name, String); "
                    + c.accepts());
        }
        if (shape instanceof Shape.Elements l) {
            throw new Rejected("an array takes its elements, not one number", "use LoadOptions.withVariable(name, "
                    + "String) with comma-separated elements, or byte[]; " + l.accepts());
        }
        throw new Rejected("it is not an integer type", shape.accepts());
    }

    private static byte[] bool(Shape shape, boolean value) {
        BigInteger n = value ? BigInteger.ONE : BigInteger.ZERO;
        // C converts a bool to any integer type as 0 or 1.
        if (shape instanceof Shape.Bool b) {
            return le(n, b.size());
        }
        if (shape instanceof Shape.Int i) {
            return le(n, i.size());
        }
        if (shape instanceof Shape.Untyped u) {
            return le(n, u.size());
        }
        throw new Rejected("it is not a bool or an integer", shape.accepts());
    }

    private static byte[] charArray(Shape shape, int size, String value) {
        if (shape instanceof Shape.Chars || shape instanceof Shape.Untyped) {
            return chars(size, value);
        }
        throw new Rejected("it is not a char array", shape.accepts() + (shape instanceof Shape.Unsupported ? ""
                : "; text parsed by its type goes through LoadOptions.withVariable(name, String)"));
    }

    private static byte[] chars(int length, String text) {
        if (text.indexOf('\0') >= 0) {
            throw new Rejected("the text contains a NUL character, which would end the string early",
                    new Shape.Chars(length).accepts());
        }
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        if (b.length + 1 > length) {
            throw new Rejected("the text needs " + (b.length + 1) + " bytes with its NUL terminator, the array has "
                    + length, new Shape.Chars(length).accepts());
        }
        return java.util.Arrays.copyOf(b, length);
    }

    private static byte[] list(Shape.Elements l, String text) {
        if (text.isEmpty()) {
            throw new Rejected("the value is empty", l.accepts());
        }
        String[] parts = text.split(",", -1);
        if (parts.length > l.length()) {
            throw new Rejected(parts.length + " elements for an array of " + l.length(), l.accepts());
        }
        byte[] out = new byte[l.length() * l.elementSize()];
        for (int k = 0; k < parts.length; k++) {
            String part = parts[k].strip();
            byte[] e;
            try {
                e = scalarText(l.element(), part, l);
            } catch (Rejected bad) {
                throw new Rejected("element " + k + " (" + new VariableValue.Text(part).describe() + "): "
                        + bad.why, l.accepts());
            }
            System.arraycopy(e, 0, out, k * l.elementSize(), e.length);
        }
        return out;
    }

    // ---- integers

    /** Decimal or 0x hex, with a leading '-': C's integer literals without octal and suffixes. */
    private static BigInteger parseInteger(String text, String notNumber, Shape whole) {
        if (text.isEmpty()) {
            throw new Rejected("the value is empty", whole.accepts());
        }
        boolean negative = text.startsWith("-");
        String body = negative ? text.substring(1) : text;
        boolean hex = body.length() > 2 && (body.startsWith("0x") || body.startsWith("0X"));
        String digits = hex ? body.substring(2) : body;
        boolean valid = !digits.isEmpty() && digits.chars().allMatch(c -> hex ? Character.digit(c, 16) >= 0
                && c < 0x80 : c >= '0' && c <= '9');
        if (!valid) {
            boolean fraction = !hex && body.matches("[0-9]*[.eE][0-9.eE+-]*") && body.chars().anyMatch(Character::isDigit);
            throw new Rejected(fraction ? "not an integer (a fraction or an exponent)" : notNumber, whole.accepts());
        }
        if (!hex && digits.length() > 1 && digits.charAt(0) == '0') {
            throw new Rejected("a decimal with a leading 0 is octal in C", "write it without the leading 0, or in hex "
                    + "with 0x; " + whole.accepts());
        }
        if (digits.length() > MAX_NUMBER_TEXT) {
            throw new Rejected("out of range", whole.accepts());
        }
        BigInteger n = new BigInteger(digits, hex ? 16 : 10);
        return negative ? n.negate() : n;
    }

    private static byte[] inRange(Shape.Int i, BigInteger n, Shape whole) {
        if (n.compareTo(i.min()) < 0 || n.compareTo(i.max()) > 0) {
            throw new Rejected(n + " is out of range", whole.accepts());
        }
        return le(n, i.size());
    }

    /**
     * A negative Java value into an unsigned type of its own width stands for its bit pattern: Java has no
     * unsigned types, so {@code (short) 50000} for a {@code __u16} and {@code 0x80000000} for a {@code __u32}
     * are written that way. Narrower or wider, the number itself must fit.
     */
    private static BigInteger sameWidthUnsigned(Shape.Int i, BigInteger n, int javaBits) {
        if (!i.signed() && i.bits() == javaBits && n.signum() < 0) {
            return n.add(BigInteger.ONE.shiftLeft(javaBits));
        }
        return n;
    }

    /** Without BTF the signedness is unknown: any value that fits the bytes as signed or unsigned. */
    private static byte[] untypedInRange(Shape.Untyped u, BigInteger n) {
        BigInteger min = BigInteger.ONE.shiftLeft(u.size() * 8 - 1).negate();
        if (n.compareTo(min) < 0 || n.compareTo(u.asInt().max()) > 0) {
            throw new Rejected(n + " is out of range", u.accepts());
        }
        return le(n, u.size());
    }

    /** {@code n} (within range) in {@code size} little-endian bytes, two's complement. */
    private static byte[] le(BigInteger n, int size) {
        BigInteger unsigned = n.signum() < 0 ? n.add(BigInteger.ONE.shiftLeft(size * 8)) : n;
        byte[] be = unsigned.toByteArray();
        byte[] out = new byte[size];
        for (int k = 0; k < size && k < be.length; k++) {
            out[k] = be[be.length - 1 - k];
        }
        return out;
    }

    /** Why a value was refused and what the variable would take; {@link #encode} adds the variable and the value. */
    private static final class Rejected extends RuntimeException {
        final String why;
        final String accepted;

        Rejected(String why, String accepted) {
            super(why, null, false, false);
            this.why = why;
            this.accepted = accepted;
        }
    }
}
