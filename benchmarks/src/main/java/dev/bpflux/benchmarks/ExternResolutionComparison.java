package dev.bpflux.benchmarks;

import dev.bpflux.kernel.RunningKernelFacts;
import dev.bpflux.obj.BpfObjectSpec;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * bpflux's extern resolution and libbpf's load of the same object, timed in one run (root):
 * <ul>
 * <li>bpflux cold: fresh facts per iteration (vmlinux BTF parsed, config read, symbols looked up with
 * {@code bpf_kallsyms_lookup_name()}); and the same scanning {@code /proc/kallsyms} instead;</li>
 * <li>bpflux warm: facts reused;</li>
 * <li>libbpf: {@code oracle time} of {@code extern_resolution.bpf.o} and of its twin without externs
 * ({@code extern_resolution_none.bpf.o}); libbpf times only whole loads, so the difference of the two
 * medians is what its extern resolution costs.</li>
 * </ul>
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.bpflux.benchmarks.ExternResolutionComparison \
 *     tools/libbpf-oracle/build/oracle benchmarks/src/main/resources/bpf 20</pre>
 */
public final class ExternResolutionComparison {
    private ExternResolutionComparison() {
    }

    public static void main(String[] args) throws Exception {
        String oracle = args.length > 0 ? args[0] : "tools/libbpf-oracle/build/oracle";
        Path objects = Path.of(args.length > 1 ? args[1] : "benchmarks/src/main/resources/bpf");
        int repeat = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        BpfObjectSpec object = ExternResolutionBenchmark.object();
        // JIT warm-up, not measured.
        for (int i = 0; i < 5; i++) {
            ExternResolutionBenchmark.resolve(object, ExternResolutionBenchmark.coldFacts());
        }
        long[] cold = new long[repeat];
        for (int i = 0; i < repeat; i++) {
            long t = System.nanoTime();
            ExternResolutionBenchmark.resolve(object, ExternResolutionBenchmark.coldFacts());
            cold[i] = System.nanoTime() - t;
        }
        long[] coldScan = new long[repeat];
        for (int i = 0; i < repeat; i++) {
            long t = System.nanoTime();
            ExternResolutionBenchmark.resolve(object, ExternResolutionBenchmark.coldScanningFacts());
            coldScan[i] = System.nanoTime() - t;
        }
        RunningKernelFacts facts = ExternResolutionBenchmark.coldFacts();
        ExternResolutionBenchmark.resolve(object, facts);
        long[] warm = new long[repeat];
        for (int i = 0; i < repeat; i++) {
            long t = System.nanoTime();
            ExternResolutionBenchmark.resolve(object, facts);
            warm[i] = System.nanoTime() - t;
        }
        long withExterns = libbpfMedianLoad(oracle, objects.resolve("extern_resolution.bpf.o"), repeat);
        long without = libbpfMedianLoad(oracle, objects.resolve("extern_resolution_none.bpf.o"), repeat);
        System.out.printf("bpflux cold  median %6.1f ms  min %6.1f ms%n", median(cold) / 1e6, min(cold) / 1e6);
        System.out.printf("bpflux cold, scanning /proc/kallsyms  median %6.1f ms  min %6.1f ms%n", median(coldScan) / 1e6,
                min(coldScan) / 1e6);
        System.out.printf("bpflux warm  median %6.3f ms  min %6.3f ms%n", median(warm) / 1e6, min(warm) / 1e6);
        System.out.printf("libbpf load with externs    median %6.1f ms%n", withExterns / 1e6);
        System.out.printf("libbpf load without externs median %6.1f ms%n", without / 1e6);
        System.out.printf("libbpf extern resolution (difference) %6.1f ms%n", (withExterns - without) / 1e6);
    }

    private static long libbpfMedianLoad(String oracle, Path object, int repeat) throws Exception {
        if (!Files.isExecutable(Path.of(oracle))) {
            throw new IllegalStateException(oracle + " missing: make -C tools/libbpf-oracle");
        }
        Process p = new ProcessBuilder(oracle, "time", object.toString(), "--repeat", Integer.toString(repeat))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String summary = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.contains("\"summary\"")) {
                    summary = line;
                }
            }
        }
        if (p.waitFor() != 0 || summary == null) {
            throw new IllegalStateException("oracle time " + object + " failed");
        }
        int at = summary.indexOf("\"load_ns\"");
        int m = summary.indexOf("\"median\":", at) + 9;
        int end = m;
        while (Character.isDigit(summary.charAt(end))) {
            end++;
        }
        return Long.parseLong(summary.substring(m, end));
    }

    private static long median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static long min(long[] v) {
        return Arrays.stream(v).min().orElseThrow();
    }
}
