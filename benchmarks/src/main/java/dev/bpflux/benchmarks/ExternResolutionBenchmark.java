package dev.bpflux.benchmarks;

import dev.bpflux.kernel.KallsymsReader;
import dev.bpflux.kernel.KernelBtfs;
import dev.bpflux.kernel.KernelConfigSource;
import dev.bpflux.kernel.RunningKernelFacts;
import dev.bpflux.obj.BpfObjectSpec;
import dev.bpflux.obj.extern.ExternResolutions;
import dev.bpflux.obj.extern.ExternResolver;
import dev.bpflux.sys.Bpf;
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
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Resolving the externs of {@code bpf/extern_resolution.bpf.o} (8 {@code __kconfig}, 3 untyped
 * {@code __ksym}, 2 kfuncs) against the running kernel. Needs root (kallsyms addresses).
 *
 * <ul>
 * <li>{@link #cold()}: nothing cached: parses vmlinux BTF, reads {@code /proc/config.gz}, scans
 * {@code /proc/kallsyms}, as a process loading its first object does (what libbpf does on every load).</li>
 * <li>{@link #warm()}: the facts of a previous load reused (vmlinux BTF, config and the kallsyms
 * addresses cached): a process loading its second object with the same externs.</li>
 * <li>{@link #coldScanningKallsyms()}: {@link #cold()} reading {@code /proc/kallsyms} instead of asking
 * the kernel through {@code bpf_kallsyms_lookup_name()} (what happens on kernels before 5.16).</li>
 * <li>{@link #kallsymsScan()}, {@link #kallsymsLookupName()} and {@link #vmlinuxBtf()}: the parts.</li>
 * </ul>
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar ExternResolution -f 1 -wi 3 -i 5</pre>
 *
 * {@link ExternResolutionComparison} times the same object with bpflux and libbpf in one run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ExternResolutionBenchmark {
    static final String OBJECT = "bpf/extern_resolution.bpf.o";

    private BpfObjectSpec object;
    private RunningKernelFacts warmFacts;

    static BpfObjectSpec object() throws IOException {
        try (InputStream in = ExternResolutionBenchmark.class.getClassLoader().getResourceAsStream(OBJECT)) {
            if (in == null) {
                throw new IOException(OBJECT + " is not on the class path");
            }
            return BpfObjectSpec.parse(in.readAllBytes(), OBJECT);
        }
    }

    /** Facts with nothing cached: a new KernelBtfs (vmlinux re-parsed), config and kallsyms re-read. */
    static RunningKernelFacts coldFacts() {
        return RunningKernelFacts.of(KernelBtfs.of(Path.of("/sys/kernel/btf"), Bpf.system()),
                KernelConfigSource.system(), KallsymsReader.system());
    }

    /** As {@link #coldFacts()}, scanning /proc/kallsyms. */
    static RunningKernelFacts coldScanningFacts() {
        return RunningKernelFacts.of(KernelBtfs.of(Path.of("/sys/kernel/btf"), Bpf.system()),
                KernelConfigSource.system(), KallsymsReader.scanning());
    }

    static ExternResolutions resolve(BpfObjectSpec object, RunningKernelFacts facts) {
        return ExternResolver.create(facts).resolveAll(object.externs(), object.btf().orElseThrow()).requireResolved();
    }

    @Setup
    public void setup() throws IOException {
        object = object();
        warmFacts = coldFacts();
        resolve(object, warmFacts);
    }

    @Benchmark
    public ExternResolutions cold() {
        return resolve(object, coldFacts());
    }

    @Benchmark
    public ExternResolutions coldScanningKallsyms() {
        return resolve(object, coldScanningFacts());
    }

    @Benchmark
    public ExternResolutions warm() {
        return resolve(object, warmFacts);
    }

    @Benchmark
    public Object kallsymsScan() {
        return KallsymsReader.scanning().lookup(Set.of("do_unlinkat", "vfs_read", "vfs_write"));
    }

    @Benchmark
    public Object kallsymsLookupName() {
        return KallsymsReader.system().lookup(Set.of("do_unlinkat", "vfs_read", "vfs_write"));
    }

    @Benchmark
    public int vmlinuxBtf() {
        return KernelBtfs.of(Path.of("/sys/kernel/btf"), null).vmlinux().btf().findByName("bpf_task_acquire",
                dev.bpflux.obj.btf.BtfKind.FUNC)[0];
    }
}
