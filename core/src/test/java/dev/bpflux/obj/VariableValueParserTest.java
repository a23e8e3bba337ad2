package dev.bpflux.obj;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.BpfException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Values for the .rodata globals of typed_globals.bpf.o (clang-built, its real BTF): every type the
 * parser takes, every value it must refuse, and what each refusal says.
 */
class VariableValueParserTest {
    static final BpfObjectSpec TYPED = BpfObjectSpec.read(Path.of("src/test/bpf/load/typed_globals.bpf.o"));

    static byte[] text(String var, String value) {
        return VariableValueParser.encode(TYPED, var, new VariableValue.Text(value));
    }

    /** The rejection of {@code value} for {@code var}: always names the variable, its C type and the value. */
    static String rejected(String var, String cType, VariableValue value) {
        BpfException e = assertThrows(BpfException.class, () -> VariableValueParser.encode(TYPED, var, value));
        String m = e.getMessage();
        assertTrue(m.startsWith("cannot set global '" + var + "' (" + cType + ", in .rodata) to " + value.describe()
                + ": "), m);
        return m;
    }

    static String rejectedText(String var, String cType, String value) {
        return rejected(var, cType, new VariableValue.Text(value));
    }

    static byte[] le(long v, int size) {
        byte[] b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
        return Arrays.copyOf(b, size);
    }

    @Test
    void integersOfEveryWidthAndSignednessInDecimalAndHex() {
        assertArrayEquals(le(255, 1), text("cfg_u8", "255"));
        assertArrayEquals(le(-128, 1), text("cfg_s8", "-128"));
        assertArrayEquals(le(0xffff, 2), text("cfg_u16", "0xFFFF"));
        assertArrayEquals(le(-32768, 2), text("cfg_s16", "-0x8000"));
        assertArrayEquals(le(4294967295L, 4), text("cfg_u32", "4294967295"));
        assertArrayEquals(le(0xdeadbeefL, 4), text("cfg_u32", "0xdeadbeef"));
        assertArrayEquals(le(Integer.MIN_VALUE, 4), text("cfg_s32", "-2147483648"));
        assertArrayEquals(le(-1L, 8), text("cfg_u64", "18446744073709551615"));
        assertArrayEquals(le(Long.MIN_VALUE, 8), text("cfg_s64", "-9223372036854775808"));
        assertArrayEquals(le(7, 4), text("cfg_uint", "7"));
        assertArrayEquals(le(-5, 8), text("cfg_long", "-5"));
        assertArrayEquals(le(1234, 4), text("cfg_pid", "1234"));
        assertArrayEquals(le(0, 4), text("cfg_u32", "0"));
        assertArrayEquals(le(0, 4), text("cfg_s32", "-0"));
    }

    @Test
    void integersOutOfRangeOrNotIntegersAreRefusedWithTheRange() {
        // The findings: each was stored silently before.
        String m = rejectedText("cfg_u32", "__u32 (unsigned int)", "abc");
        assertTrue(m.contains(": not an integer; it takes an integer from 0 to 4294967295, in decimal or in hex "
                + "with 0x"), m);
        m = rejectedText("cfg_u32", "__u32 (unsigned int)", "0xZZ");
        assertTrue(m.contains("not an integer"), m);
        m = rejectedText("cfg_s32", "__s32 (int)", "-2147483649");
        assertTrue(m.contains("-2147483649 is out of range; it takes an integer from -2147483648 to 2147483647"), m);
        m = rejectedText("cfg_u32", "__u32 (unsigned int)", "");
        assertTrue(m.contains("the value is empty"), m);
        m = rejectedText("cfg_u32", "__u32 (unsigned int)", "1.5");
        assertTrue(m.contains("not an integer (a fraction or an exponent)"), m);
        rejectedText("cfg_u32", "__u32 (unsigned int)", "4294967296");
        rejectedText("cfg_u32", "__u32 (unsigned int)", "-1");
        rejectedText("cfg_u8", "__u8 (unsigned char)", "256");
        rejectedText("cfg_s8", "__s8 (signed char)", "128");
        rejectedText("cfg_u64", "__u64 (unsigned long long)", "18446744073709551616");
        rejectedText("cfg_s64", "__s64 (long long)", "9223372036854775808");
        rejectedText("cfg_u32", "__u32 (unsigned int)", " 5");
        rejectedText("cfg_u32", "__u32 (unsigned int)", "5 ");
        rejectedText("cfg_u32", "__u32 (unsigned int)", "+5");
        rejectedText("cfg_u32", "__u32 (unsigned int)", "0x");
        rejectedText("cfg_u32", "__u32 (unsigned int)", "-");
        rejectedText("cfg_u32", "__u32 (unsigned int)", "1e3");
        rejectedText("cfg_u32", "__u32 (unsigned int)", "١٢"); // Arabic-Indic digits are digits to Java, not to C
        rejectedText("cfg_u32", "__u32 (unsigned int)", "9".repeat(100_000));
        m = rejectedText("cfg_u32", "__u32 (unsigned int)", "010");
        assertTrue(m.contains("a decimal with a leading 0 is octal in C"), m);
        m = rejectedText("cfg_pid", "pid_t (int)", "x");
        assertTrue(m.contains("from -2147483648 to 2147483647"), m);
        m = rejectedText("cfg_long", "long", "x");
        assertTrue(m.contains("from -9223372036854775808 to 9223372036854775807"), m);
    }

    @Test
    void boolTakesTrueFalseOneZero() {
        assertArrayEquals(new byte[] {1}, text("cfg_bool", "true"));
        assertArrayEquals(new byte[] {0}, text("cfg_bool", "false"));
        assertArrayEquals(new byte[] {1}, text("cfg_bool", "1"));
        assertArrayEquals(new byte[] {0}, text("cfg_bool", "0"));
        String m = rejectedText("cfg_bool", "bool (_Bool)", "2");
        assertTrue(m.endsWith(": not a bool; it takes true, false, 1 or 0"), m);
        rejectedText("cfg_bool", "bool (_Bool)", "yes");
        rejectedText("cfg_bool", "bool (_Bool)", "");
    }

    @Test
    void charArraysTakeTextWhoseNulFits() {
        byte[] b = text("cfg_name", "bpflux");
        assertArrayEquals(Arrays.copyOf("bpflux".getBytes(StandardCharsets.US_ASCII), 16), b);
        assertArrayEquals(new byte[16], text("cfg_name", ""));
        assertArrayEquals(Arrays.copyOf("0123456789abcde".getBytes(StandardCharsets.US_ASCII), 16),
                text("cfg_name", "0123456789abcde"));
        String m = rejectedText("cfg_name", "char[16]", "0123456789abcdef");
        assertTrue(m.contains("the text needs 17 bytes with its NUL terminator, the array has 16; it takes text of "
                + "at most 15 bytes in UTF-8"), m);
        // 8 two-byte characters are 16 bytes in UTF-8: too long although 8 characters.
        rejectedText("cfg_name", "char[16]", "éééééééé");
        m = rejectedText("cfg_name", "char[16]", "a\0b");
        assertTrue(m.contains("to \"a\\x00b\": the text contains a NUL character"), m);
    }

    @Test
    void enumsTakeAnEnumeratorOrANumberInTheirStorage() {
        assertArrayEquals(le(1, 4), text("cfg_mode", "MODE_FAST"));
        assertArrayEquals(le(2, 4), text("cfg_mode", "2"));
        assertArrayEquals(le(7, 4), text("cfg_mode", "7")); // C allows any value of the storage
        assertArrayEquals(le(-1, 4), text("cfg_level", "LEVEL_LOW"));
        assertArrayEquals(le(-5, 4), text("cfg_level", "-5"));
        assertArrayEquals(le(1L << 40, 8), text("cfg_big", "BIG_HUGE"));
        String m = rejectedText("cfg_mode", "enum mode", "MODE_TURBO");
        assertTrue(m.contains(": neither an enumerator of enum mode nor an integer; it takes an enumerator of enum "
                + "mode (MODE_OFF, MODE_FAST, MODE_SAFE) or an integer from 0 to 4294967295"), m);
        rejectedText("cfg_mode", "enum mode", "-1"); // unsigned enum
        rejectedText("cfg_mode", "enum mode", "mode_fast");
        rejectedText("cfg_level", "enum level", "2147483648");
    }

    @Test
    void arraysOfIntegersTakeCommaSeparatedElements() {
        byte[] want = new byte[16];
        ByteBuffer.wrap(want).order(ByteOrder.LITTLE_ENDIAN).putInt(80).putInt(443).putInt(0x1f90);
        assertArrayEquals(want, text("cfg_ports", "80, 443,0x1f90"));
        String m = rejectedText("cfg_ports", "__u32[4]", "1,2,3,4,5");
        assertTrue(m.contains("5 elements for an array of 4; it takes up to 4 comma-separated elements"), m);
        m = rejectedText("cfg_ports", "__u32[4]", "1,,3");
        assertTrue(m.contains("element 1 (\"\"): the value is empty"), m);
        m = rejectedText("cfg_ports", "__u32[4]", "1,-2");
        assertTrue(m.contains("element 1 (\"-2\"): -2 is out of range"), m);
        rejectedText("cfg_ports", "__u32[4]", "");
    }

    @Test
    void floatsPointersAndStructsAreRefusedWithTheWayToSetThem() {
        String m = rejectedText("cfg_ratio", "float", "1.5");
        assertTrue(m.contains("it is not a type bpflux parses; bpflux parses integers, bool, enums, char arrays and "
                + "arrays of integers, not floating-point numbers; set its 4 bytes from Java with "
                + "LoadOptions.withVariable(name, byte[])"), m);
        m = rejectedText("cfg_ptr", "void *", "0");
        assertTrue(m.contains("not pointers"), m);
        m = rejectedText("cfg_pair", "struct pair", "1,2");
        assertTrue(m.contains("not structs; set its 16 bytes"), m);
        // Raw bytes of the right size are the way in.
        assertArrayEquals(new byte[16], VariableValueParser.encode(TYPED, "cfg_pair", new VariableValue.Raw(new byte[16])));
    }

    @Test
    void javaTypedValuesAreCheckedAgainstTheTypeToo() {
        assertArrayEquals(le(3, 8), VariableValueParser.encode(TYPED, "cfg_u64", new VariableValue.Integral(3, 32)));
        assertArrayEquals(le(200, 1), VariableValueParser.encode(TYPED, "cfg_u8", new VariableValue.Integral(200, 32)));
        assertArrayEquals(le(0xffffffffL, 4),
                VariableValueParser.encode(TYPED, "cfg_u32", new VariableValue.Integral(0xffffffffL, 64)));
        assertArrayEquals(new byte[] {1}, VariableValueParser.encode(TYPED, "cfg_bool", new VariableValue.Bool(true)));
        assertArrayEquals(le(1, 4), VariableValueParser.encode(TYPED, "cfg_u32", new VariableValue.Bool(true)));
        // Into an unsigned type of its own width a Java value is its bit pattern: Java has no unsigned types.
        assertArrayEquals(le(0x80000000L, 4),
                VariableValueParser.encode(TYPED, "cfg_u32", new VariableValue.Integral(0x80000000, 32)));
        assertArrayEquals(le(50000, 2),
                VariableValueParser.encode(TYPED, "cfg_u16", new VariableValue.Integral((short) 50000, 16)));
        String m = rejected("cfg_u64", "__u64 (unsigned long long)", new VariableValue.Integral(-1, 32));
        assertTrue(m.contains("to -1 (a Java int): -1 is out of range; it takes an integer from 0 to "
                + "18446744073709551615"), m);
        rejected("cfg_u16", "__u16 (unsigned short)", new VariableValue.Integral(-1, 32));
        rejected("cfg_u32", "__u32 (unsigned int)", new VariableValue.Integral(-1, 64));
        rejected("cfg_u8", "__u8 (unsigned char)", new VariableValue.Integral(256, 32));
        rejected("cfg_s32", "__s32 (int)", new VariableValue.Integral(1L << 31, 64));
        m = rejected("cfg_bool", "bool (_Bool)", new VariableValue.Integral(2, 32));
        assertTrue(m.contains("a bool holds 0 or 1"), m);
        m = rejected("cfg_bool", "bool (_Bool)", new VariableValue.Raw(new byte[] {2}));
        assertTrue(m.contains("a bool holds 0 or 1"), m);
        m = rejected("cfg_name", "char[16]", new VariableValue.Integral(5, 32));
        assertTrue(m.contains("a char array takes text, not a number"), m);
        m = rejected("cfg_u32", "__u32 (unsigned int)", new VariableValue.CharArray("5"));
        assertTrue(m.contains("it is not a char array"), m);
        m = rejected("cfg_name", "char[16]", new VariableValue.CharArray("0123456789abcdef"));
        assertTrue(m.contains("needs 17 bytes"), m);
        m = rejected("cfg_u64", "__u64 (unsigned long long)", new VariableValue.Raw(new byte[4]));
        assertTrue(m.contains("it is 8 bytes, the value 4"), m);
        rejected("cfg_mode", "enum mode", new VariableValue.Bool(true));
        rejected("cfg_ratio", "float", new VariableValue.Integral(1, 32));
    }

    @Test
    void anUnknownVariableNamesTheGlobalsThereAre() {
        BpfException e = assertThrows(BpfException.class,
                () -> VariableValueParser.encode(TYPED, "nope", new VariableValue.Text("1")));
        assertTrue(e.getMessage().contains("has no global variable 'nope'; its globals: [cfg_u8, cfg_s8"), e.getMessage());
    }

    @Test
    void anyTextForAnyVariableGivesItsSizeOrARefusal() {
        java.util.Random random = new java.util.Random(10);
        String alphabet = "0123456789abcdefxX-+., \0\u00e9MODE_FASTLEVEL_LOWtrue";
        int accepted = 0;
        for (DataSectionSpec d : TYPED.dataSections()) {
            for (VariableSpec v : d.variables()) {
                for (int n = 0; n < 400; n++) {
                    StringBuilder b = new StringBuilder();
                    int len = random.nextInt(24);
                    for (int k = 0; k < len; k++) {
                        b.append(alphabet.charAt(random.nextInt(alphabet.length())));
                    }
                    VariableValue value = switch (n % 4) {
                        case 0 -> new VariableValue.Text(b.toString());
                        case 1 -> {
                            int bits = 8 << random.nextInt(4);
                            yield new VariableValue.Integral(random.nextLong() >> (64 - bits + random.nextInt(bits)), bits);
                        }
                        case 2 -> new VariableValue.CharArray(b.toString());
                        default -> new VariableValue.Raw(new byte[random.nextInt(2 * v.size() + 1)]);
                    };
                    try {
                        byte[] bytes = VariableValueParser.encode(TYPED, v.name(), value);
                        assertTrue(bytes.length == v.size(), v + " " + value);
                        accepted++;
                    } catch (BpfException refused) {
                        assertTrue(refused.getMessage().startsWith("cannot set global '" + v.name() + "' ("),
                                refused.getMessage());
                    }
                }
            }
        }
        assertTrue(accepted > 500, "accepted " + accepted);
    }
}
