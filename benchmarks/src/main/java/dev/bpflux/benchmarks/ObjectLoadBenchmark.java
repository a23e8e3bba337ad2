package dev.bpflux.benchmarks;

import dev.bpflux.load.BpfObject;
import dev.bpflux.load.LoadOptions;
import dev.bpflux.obj.BpfObjectSpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Warm in-JVM object load: parse + load (BTF, maps, externs, CO-RE, relocation, BPF_PROG_LOAD) +
 * close of a corpus object, as libbpf's {@code bpf_object__open} + {@code bpf_object__load} +
 * {@code bpf_object__close}. Needs root. Compare with {@code tools/libbpf-oracle/build/oracle time OBJ}.
 *
 * <p>{@code java -jar benchmarks/target/benchmarks.jar ObjectLoadBenchmark -p object=core/src/test/bpf/load/kptr.bpf.o}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ObjectLoadBenchmark {
    @Param({"core/src/test/bpf/load/kptr.bpf.o", "core/src/test/bpf/load/ksyms.bpf.o",
            "core/src/test/bpf/load/globals.bpf.o"})
    public String object;

    private BpfObjectSpec spec;

    @Setup
    public void parse() {
        spec = BpfObjectSpec.read(Path.of(object));
    }

    /** Parse, load, close. */
    @Benchmark
    public int openLoadClose() {
        try (BpfObject obj = BpfObject.load(BpfObjectSpec.read(Path.of(object)), LoadOptions.defaults())) {
            return obj.programs().size();
        }
    }

    /** Load and close an already parsed object (what a long-lived process re-loading an object pays). */
    @Benchmark
    public int loadClose() {
        try (BpfObject obj = BpfObject.load(spec, LoadOptions.defaults())) {
            return obj.programs().size();
        }
    }
}
