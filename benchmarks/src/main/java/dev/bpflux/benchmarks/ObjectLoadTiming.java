package dev.bpflux.benchmarks;

import dev.bpflux.load.BpfObject;
import dev.bpflux.load.LoadOptions;
import dev.bpflux.obj.BpfObjectSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Whole-load timing of bpflux against libbpf on the same objects, in one run:
 * {@code java -cp benchmarks/target/benchmarks.jar dev.bpflux.benchmarks.ObjectLoadTiming OBJ... [--repeat N]}.
 * For each object: parse (open) once, then load+close {@code N} times after a warm-up of N loads,
 * printing min/median of open, load and close in the format of the libbpf oracle's {@code time} mode
 * (run it next: {@code tools/libbpf-oracle/build/oracle time OBJ --repeat N}).
 */
public final class ObjectLoadTiming {
    private ObjectLoadTiming() {
    }

    public static void main(String[] args) {
        int repeat = 20;
        List<Path> objects = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--repeat")) {
                repeat = Integer.parseInt(args[++i]);
            } else {
                objects.add(Path.of(args[i]));
            }
        }
        for (Path object : objects) {
            long[] open = new long[repeat];
            long[] load = new long[repeat];
            long[] close = new long[repeat];
            for (int round = 0; round < 2; round++) { // round 0 warms the JIT and the kernel fact caches
                for (int i = 0; i < repeat; i++) {
                    long t0 = System.nanoTime();
                    BpfObjectSpec spec = BpfObjectSpec.read(object);
                    long t1 = System.nanoTime();
                    BpfObject obj = BpfObject.load(spec, LoadOptions.defaults());
                    long t2 = System.nanoTime();
                    obj.close();
                    long t3 = System.nanoTime();
                    open[i] = t1 - t0;
                    load[i] = t2 - t1;
                    close[i] = t3 - t2;
                }
            }
            System.out.println("{\"summary\":{\"object\":\"" + object + "\",\"repeat\":" + repeat + ",\"open_ns\":"
                    + stats(open) + ",\"load_ns\":" + stats(load) + ",\"close_ns\":" + stats(close) + "}}");
        }
    }

    private static String stats(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return "{\"min\":" + s[0] + ",\"median\":" + s[s.length / 2] + ",\"max\":" + s[s.length - 1] + "}";
    }
}
