package dev.bpflux.load;

import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.obj.ExternSpec;
import dev.bpflux.obj.btf.Btf;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where each {@code __kconfig} extern lives in the {@code .kconfig} map value. clang leaves the
 * offsets 0; the layout is the loader's, and libbpf's is used so the kernel holds the same value:
 * externs sorted by decreasing alignment, then increasing size, then name, each at the next offset
 * aligned for its type.
 */
record KconfigLayout(Map<String, Integer> offsets, int size) {
    KconfigLayout {
        offsets = Collections.unmodifiableMap(new LinkedHashMap<>(offsets));
    }

    static KconfigLayout of(BpfObjectSpec spec) {
        Btf btf = spec.btf().orElse(null);
        List<ExternSpec> kcfg = new ArrayList<>();
        for (ExternSpec e : spec.externs()) {
            if (e.kind() == ExternSpec.Kind.KCONFIG) {
                kcfg.add(e);
            }
        }
        kcfg.sort(Comparator.<ExternSpec>comparingInt(e -> -align(btf, e)).thenComparingInt(ExternSpec::size)
                .thenComparing(ExternSpec::name));
        Map<String, Integer> offsets = new LinkedHashMap<>();
        int off = 0;
        for (ExternSpec e : kcfg) {
            int a = align(btf, e);
            off = (off + a - 1) / a * a;
            offsets.put(e.name(), off);
            off += e.size();
        }
        return new KconfigLayout(offsets, off);
    }

    private static int align(Btf btf, ExternSpec e) {
        if (btf == null || e.typeId() == 0) {
            return Math.max(1, Math.min(8, Integer.highestOneBit(Math.max(1, e.size()))));
        }
        return Math.max(1, btf.alignOf(e.typeId()));
    }

    int offset(ExternSpec e) {
        return offsets.get(e.name());
    }
}
