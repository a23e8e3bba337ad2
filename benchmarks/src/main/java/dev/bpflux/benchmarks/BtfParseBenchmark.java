package dev.bpflux.benchmarks;

import dev.bpflux.obj.btf.Btf;
import dev.bpflux.obj.btf.BtfKind;
import dev.bpflux.obj.btf.BtfType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Opening the kernel's BTF ({@code /sys/kernel/btf/vmlinux}, ~5.5 MB, ~150k types) and looking up a
 * few types, as the loader does for CO-RE, kfuncs and attach targets. Run with {@code -prof gc} to see
 * bytes allocated per operation.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar BtfParse -prof gc -f 1 -wi 3 -i 5</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class BtfParseBenchmark {
    private static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");

    private byte[] vmlinuxBytes;

    @Setup
    public void setup() throws IOException {
        vmlinuxBytes = Files.readAllBytes(VMLINUX);
    }

    /** Open the file and index every type (no lookups). */
    @Benchmark
    public int open() {
        return Btf.read(VMLINUX).nextTypeId();
    }

    /** Open, then find and decode task_struct and the kfunc bpf_task_acquire with its prototype. */
    @Benchmark
    public int openAndLookup() {
        Btf btf = Btf.read(VMLINUX);
        int task = btf.findByName("task_struct", BtfKind.STRUCT)[0];
        BtfType.Struct s = btf.type(task, BtfType.Struct.class);
        int fn = btf.findByName("bpf_task_acquire", BtfKind.FUNC)[0];
        BtfType.Func f = btf.type(fn, BtfType.Func.class);
        BtfType.FuncProto p = btf.type(f.type(), BtfType.FuncProto.class);
        return s.members().size() + p.params().size();
    }

    /** Index an already-read blob: parsing alone, without file I/O. */
    @Benchmark
    public int parseInMemory() {
        return Btf.parse(vmlinuxBytes, "vmlinux").nextTypeId();
    }
}
