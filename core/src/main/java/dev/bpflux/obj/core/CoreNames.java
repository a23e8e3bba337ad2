package dev.bpflux.obj.core;

import dev.bpflux.obj.btf.Btf;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * CO-RE names: a type may carry a "flavor" suffix, {@code task_struct___v2}, so that one object can
 * describe several layouts of the same kernel type; matching ignores it.
 */
public final class CoreNames {
    /** Per target BTF: essential name -> the flavored names ({@code X___Y}) in its own strings. */
    private static final Map<Btf, Map<String, List<String>>> FLAVORED = Collections.synchronizedMap(new WeakHashMap<>());

    private CoreNames() {
    }

    /**
     * The essential name: the name up to the last {@code X___Y} separator where X and Y are not
     * underscores ({@code foo___bar} -> {@code foo}, {@code a___b___c} -> {@code a___b},
     * {@code __x} and {@code foo___} unchanged), libbpf's rule.
     */
    public static String essentialName(String name) {
        return name.substring(0, essentialLength(name));
    }

    /** Length of the essential name. */
    public static int essentialLength(String name) {
        int n = name.length();
        for (int i = n - 5; i >= 0; i--) {
            if (name.charAt(i) != '_' && name.charAt(i + 1) == '_' && name.charAt(i + 2) == '_'
                    && name.charAt(i + 3) == '_' && name.charAt(i + 4) != '_') {
                return i + 1;
            }
        }
        return n;
    }

    /** Whether {@code a} and {@code b} have the same essential name. */
    static boolean sameEssentialName(String a, String b) {
        int la = essentialLength(a);
        return la == essentialLength(b) && a.regionMatches(0, b, 0, la);
    }

    /**
     * The flavored names ({@code X___Y}) in {@code btf}'s own string section whose essential name is
     * {@code essential}. Found by one scan over the string bytes per BTF (kernel BTF has almost none,
     * but an exact candidate search must not miss them), cached.
     */
    static List<String> flavoredNames(Btf btf, String essential) {
        Map<String, List<String>> idx = FLAVORED.get(btf);
        if (idx == null) {
            idx = scan(btf.rawStrings());
            FLAVORED.put(btf, idx);
        }
        return idx.getOrDefault(essential, List.of());
    }

    private static Map<String, List<String>> scan(ByteBuffer s) {
        Map<String, List<String>> out = new HashMap<>();
        int n = s.limit();
        int start = 0;
        int run = 0; // consecutive underscores
        boolean flavored = false;
        for (int i = 0; i < n; i++) {
            byte c = s.get(i);
            if (c == 0) {
                if (flavored) {
                    byte[] b = new byte[i - start];
                    s.get(start, b);
                    String name = new String(b, StandardCharsets.UTF_8);
                    int len = essentialLength(name);
                    if (len < name.length()) {
                        out.computeIfAbsent(name.substring(0, len), k -> new ArrayList<>(1)).add(name);
                    }
                }
                start = i + 1;
                run = 0;
                flavored = false;
            } else if (c == '_') {
                run++;
            } else {
                if (run >= 3 && i - run > start) {
                    flavored = true; // candidate; essentialLength() decides exactly
                }
                run = 0;
            }
        }
        return out;
    }
}
