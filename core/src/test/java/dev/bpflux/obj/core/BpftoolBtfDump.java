package dev.bpflux.obj.core;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel's BTF as {@code bpftool btf dump file /sys/kernel/btf/vmlinux} prints it: an independent
 * reading for tests to derive expected values from (bpftool uses libbpf's BTF parser, not bpflux's).
 */
final class BpftoolBtfDump {
    record Member(String name, int typeId, long bitsOffset, int bitfieldSize) {
    }

    /** {@code ref} is the type_id of PTR/TYPEDEF/modifiers/ARRAY element; {@code nelems} of ARRAY. */
    record Type(int id, String kind, String name, long size, int ref, long nelems, List<Member> members,
                Map<String, Long> values, String rest) {
    }

    private static final Pattern HEADER = Pattern.compile("^\\[(\\d+)] (\\w+) '([^']*)'(.*)$");
    private static final Pattern SIZE = Pattern.compile("\\bsize=(\\d+)");
    private static final Pattern REF = Pattern.compile("\\btype_id=(\\d+)");
    private static final Pattern NELEMS = Pattern.compile("nr_elems=(\\d+)");
    private static final Pattern MEMBER = Pattern.compile(
            "^\\t'([^']*)' type_id=(\\d+) bits_offset=(\\d+)(?: bitfield_size=(\\d+))?");
    private static final Pattern VALUE = Pattern.compile("^\\t'([^']*)' val=(-?\\d+)");
    private static volatile BpftoolBtfDump vmlinux;

    private final Map<Integer, Type> byId = new HashMap<>();
    private final Map<String, List<Type>> byName = new HashMap<>();

    static BpftoolBtfDump vmlinux() {
        BpftoolBtfDump d = vmlinux;
        if (d == null) {
            d = run("/sys/kernel/btf/vmlinux");
            vmlinux = d;
        }
        return d;
    }

    static BpftoolBtfDump run(String file) {
        BpftoolBtfDump d = new BpftoolBtfDump();
        try {
            Process p = new ProcessBuilder("bpftool", "btf", "dump", "file", file).redirectErrorStream(true).start();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8), 1 << 16)) {
                Type cur = null;
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("[")) {
                        Matcher m = HEADER.matcher(line);
                        if (!m.matches()) {
                            cur = null;
                            continue;
                        }
                        String rest = m.group(4);
                        Matcher s = SIZE.matcher(rest);
                        Matcher ref = REF.matcher(rest);
                        Matcher ne = NELEMS.matcher(rest);
                        cur = new Type(Integer.parseInt(m.group(1)), m.group(2), m.group(3),
                                s.find() ? Long.parseLong(s.group(1)) : -1, ref.find() ? Integer.parseInt(ref.group(1)) : 0,
                                ne.find() ? Long.parseLong(ne.group(1)) : 0, new ArrayList<>(), new HashMap<>(), rest);
                        d.byId.put(cur.id(), cur);
                        d.byName.computeIfAbsent(cur.name(), k -> new ArrayList<>()).add(cur);
                    } else if (cur != null && (cur.kind().equals("STRUCT") || cur.kind().equals("UNION"))) {
                        Matcher m = MEMBER.matcher(line);
                        if (m.find()) {
                            cur.members().add(new Member(m.group(1), Integer.parseInt(m.group(2)),
                                    Long.parseLong(m.group(3)), m.group(4) == null ? 0 : Integer.parseInt(m.group(4))));
                        }
                    } else if (cur != null && cur.kind().startsWith("ENUM")) {
                        Matcher m = VALUE.matcher(line);
                        if (m.find()) {
                            cur.values().put(m.group(1), m.group(2).startsWith("-") ? Long.parseLong(m.group(2)) : Long.parseUnsignedLong(m.group(2)));
                        }
                    }
                }
            }
            if (p.waitFor() != 0) {
                throw new IllegalStateException("bpftool btf dump " + file + " failed with " + p.exitValue());
            }
        } catch (IOException e) {
            throw new IllegalStateException("bpftool is needed to derive expected values: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return d;
    }

    Type type(int id) {
        return byId.get(id);
    }

    /** The single type of {@code kind} named {@code name}. */
    Type named(String kind, String name) {
        List<Type> l = byName.getOrDefault(name, List.of()).stream().filter(t -> t.kind().equals(kind)).toList();
        if (l.size() != 1) {
            throw new IllegalStateException(l.size() + " " + kind + " types named " + name);
        }
        return l.get(0);
    }

    boolean has(String kind, String name) {
        return byName.getOrDefault(name, List.of()).stream().anyMatch(t -> t.kind().equals(kind));
    }

    /** sizeof, following typedefs, modifiers and arrays. */
    long sizeOf(int id) {
        Type t = byId.get(id);
        switch (t.kind()) {
            case "PTR":
                return 8;
            case "TYPEDEF": case "CONST": case "VOLATILE": case "RESTRICT": case "TYPE_TAG":
                return sizeOf(t.ref());
            case "ARRAY":
                return t.nelems() * sizeOf(t.ref());
            default:
                return t.size();
        }
    }

    /** The type after typedefs and modifiers. */
    Type resolved(int id) {
        Type t = byId.get(id);
        while (t.kind().equals("TYPEDEF") || t.kind().equals("CONST") || t.kind().equals("VOLATILE")
                || t.kind().equals("RESTRICT") || t.kind().equals("TYPE_TAG")) {
            t = byId.get(t.ref());
        }
        return t;
    }

    Member member(Type t, String name) {
        return t.members().stream().filter(m -> m.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException(t.name() + " has no member " + name));
    }
}
