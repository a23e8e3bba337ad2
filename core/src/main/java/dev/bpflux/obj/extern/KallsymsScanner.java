package dev.bpflux.obj.extern;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses {@code /proc/kallsyms} text in one streaming pass, keeping only the addresses of the wanted
 * names: {@link #accept} takes chunks as they are read (lines may straddle chunks), {@link #finish}
 * returns the result. Works on bytes: a line whose name is not wanted costs a hash and no allocation.
 *
 * <p>Line format: {@code <hex address> <type char> <name>[\t[<module>]]}. Like libbpf, a data symbol
 * ({@code d}) named {@code foo.llvm.<hash>} (a static variable LTO renamed) also counts as {@code foo}.
 * Malformed lines are skipped (the file is the kernel's; a truncated last line is not an error).
 *
 * <p>Also noticed on the way: whether every address was zero (kptr_restrict hides them from readers
 * without CAP_SYSLOG) and how many data symbols ({@code d D b B}) are listed, which tells whether the
 * kernel has CONFIG_KALLSYMS_ALL (without it only a few section markers such as {@code __start_rodata}
 * are data).
 */
public final class KallsymsScanner {
    /** More data symbols than this means CONFIG_KALLSYMS_ALL (a full kernel has tens of thousands). */
    static final int KALLSYMS_ALL_THRESHOLD = 1000;
    private static final byte[] LLVM = ".llvm.".getBytes(StandardCharsets.US_ASCII);

    private final byte[][] wanted;
    private final String[] wantedNames;
    private final int[] table;
    private final int mask;
    /** lengths[n]: some wanted name is n bytes long (most lines are rejected by their length alone). */
    private final boolean[] lengths;
    private final int minLength;
    private final Map<String, List<Long>> found = new HashMap<>();
    private byte[] carry = new byte[256];
    private int carryLen;
    private long lines;
    private boolean sawNonZero;
    private long dataSymbols;

    /** A scanner for {@code names} (may be empty: then it only counts, e.g. data symbols). */
    public KallsymsScanner(Set<String> names) {
        wantedNames = names.toArray(new String[0]);
        wanted = new byte[wantedNames.length][];
        int size = Integer.highestOneBit(Math.max(4, wantedNames.length * 4)) << 1;
        mask = size - 1;
        table = new int[size];
        int maxLen = 0;
        int minLen = Integer.MAX_VALUE;
        for (int i = 0; i < wantedNames.length; i++) {
            wanted[i] = wantedNames[i].getBytes(StandardCharsets.UTF_8);
            maxLen = Math.max(maxLen, wanted[i].length);
            minLen = Math.min(minLen, wanted[i].length);
            int h = hash(wanted[i], 0, wanted[i].length) & mask;
            while (table[h] != 0) {
                h = (h + 1) & mask;
            }
            table[h] = i + 1;
        }
        lengths = new boolean[maxLen + 1];
        for (byte[] w : wanted) {
            lengths[w.length] = true;
        }
        minLength = minLen;
    }

    /** Feeds {@code len} bytes of the file. */
    public void accept(byte[] buf, int off, int len) {
        int end = off + len;
        int p = off;
        if (carryLen > 0) {
            int nl = indexOf(buf, p, end, (byte) '\n');
            if (nl < 0) {
                appendCarry(buf, p, end - p);
                return;
            }
            appendCarry(buf, p, nl - p);
            line(carry, 0, carryLen);
            carryLen = 0;
            p = nl + 1;
        }
        while (p < end) {
            int nl = indexOf(buf, p, end, (byte) '\n');
            if (nl < 0) {
                appendCarry(buf, p, end - p);
                return;
            }
            line(buf, p, nl);
            p = nl + 1;
        }
    }

    /** Feeds a whole text (tests). */
    public KallsymsScanner accept(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        accept(b, 0, b.length);
        return this;
    }

    /** The result; {@code source} names the file for messages. */
    public KallsymsLookup finish(String source) {
        if (carryLen > 0) {
            line(carry, 0, carryLen);
            carryLen = 0;
        }
        boolean zeroed = lines > 0 && !sawNonZero;
        Map<String, List<Long>> out = new HashMap<>();
        found.forEach((k, v) -> out.put(k, List.copyOf(v)));
        return new KallsymsLookup(out, zeroed, source, zeroed ? "all " + lines + " addresses read as 0, "
                + "kernel.kptr_restrict hides them (it is 2, or 1 and the reader lacks CAP_SYSLOG)" : null);
    }

    /** Lines seen so far. */
    public long lines() {
        return lines;
    }

    /** Data symbols ({@code d D b B}) seen so far. */
    public long dataSymbols() {
        return dataSymbols;
    }

    /** Whether the data symbol count shows CONFIG_KALLSYMS_ALL. */
    public boolean hasDataSymbols() {
        return dataSymbols > KALLSYMS_ALL_THRESHOLD;
    }

    private void appendCarry(byte[] b, int off, int len) {
        if (carryLen + len > carry.length) {
            if (carryLen + len > 1 << 20) {
                carryLen = 0; // an absurd line: not kallsyms; drop it rather than grow without bound
                return;
            }
            carry = java.util.Arrays.copyOf(carry, Math.max(carry.length * 2, carryLen + len));
        }
        System.arraycopy(b, off, carry, carryLen, len);
        carryLen += len;
    }

    private static int indexOf(byte[] b, int from, int to, byte c) {
        for (int i = from; i < to; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    private void line(byte[] b, int start, int end) {
        // <address> ' ' <type> ' ' <name> ['\t' '[' module ']']
        int sp = start;
        while (sp < end && b[sp] != ' ') {
            sp++;
        }
        int digits = sp - start;
        if (digits == 0 || digits > 16 || sp + 3 >= end || b[sp + 2] != ' ') {
            return;
        }
        byte type = b[sp + 1];
        int nameStart = sp + 3;
        int nameEnd = nameStart;
        while (nameEnd < end && b[nameEnd] != '\t' && b[nameEnd] != ' ' && b[nameEnd] != '\r') {
            nameEnd++;
        }
        if (nameEnd == nameStart) {
            return;
        }
        lines++;
        if (!sawNonZero) {
            for (int i = start; i < sp; i++) {
                if (b[i] != '0') {
                    sawNonZero = true;
                    break;
                }
            }
        }
        if (type == 'd' || type == 'D' || type == 'b' || type == 'B') {
            dataSymbols++;
        }
        if (wanted.length == 0) {
            return;
        }
        int len = nameEnd - nameStart;
        int idx = len < lengths.length && lengths[len] ? lookup(b, nameStart, nameEnd) : -1;
        if (idx < 0 && type == 'd' && len > minLength + LLVM.length) {
            int llvm = find(b, nameStart, nameEnd, LLVM);
            if (llvm > nameStart && llvm - nameStart < lengths.length && lengths[llvm - nameStart]) {
                idx = lookup(b, nameStart, llvm);
            }
        }
        if (idx < 0) {
            return;
        }
        long addr = 0;
        for (int i = start; i < sp; i++) {
            int d = Character.digit(b[i], 16);
            if (d < 0) {
                return; // malformed address
            }
            addr = (addr << 4) | d;
        }
        List<Long> l = found.computeIfAbsent(wantedNames[idx], k -> new ArrayList<>(1));
        if (!l.contains(addr)) {
            l.add(addr);
        }
    }

    private int lookup(byte[] b, int from, int to) {
        int h = hash(b, from, to) & mask;
        while (table[h] != 0) {
            byte[] w = wanted[table[h] - 1];
            if (w.length == to - from && java.util.Arrays.equals(w, 0, w.length, b, from, to)) {
                return table[h] - 1;
            }
            h = (h + 1) & mask;
        }
        return -1;
    }

    private static int find(byte[] b, int from, int to, byte[] needle) {
        outer:
        for (int i = from; i + needle.length <= to; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (b[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static int hash(byte[] b, int from, int to) {
        int h = 0x811c9dc5;
        for (int i = from; i < to; i++) {
            h = (h ^ b[i]) * 0x01000193;
        }
        return h ^ (h >>> 16);
    }
}
