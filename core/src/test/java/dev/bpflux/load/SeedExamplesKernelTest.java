package dev.bpflux.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.BpfException;
import dev.bpflux.BpfNotSupportedException;
import dev.bpflux.kernel.KernelConfigSource;
import dev.bpflux.link.BpfLink;
import dev.bpflux.map.BpfMap;
import dev.bpflux.obj.btf.Btf;
import dev.bpflux.obj.btf.BtfKind;
import dev.bpflux.obj.extern.KernelConfig;
import dev.bpflux.prog.RunTimeStats;
import dev.bpflux.prog.TestRunResult;
import dev.bpflux.sys.OwnedFd;
import dev.bpflux.testing.KernelRequirements;
import dev.bpflux.testing.KernelTest;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The four seed examples ({@code core/src/test/bpf/seed/}, from the documents) run end to end.
 * Each test branches on what the running kernel provides and asserts success where it can run and the
 * clear bpflux error where it cannot: this host (6.18, no kprobes, no KALLSYMS_ALL) takes the error
 * branches of the ksym and ksyscall seeds; the Debian 6.1/6.12 matrix guests take the success branches
 * (except kptr_cpumask on 6.1, which predates the bpf_cpumask kfuncs of 6.3).
 */
@KernelTest
class SeedExamplesKernelTest {
    static final Path SEEDS = Path.of("src/test/bpf/seed");
    static final String[] CPUMASK_KFUNCS = {
        "bpf_cpumask_create", "bpf_cpumask_release", "bpf_cpumask_copy", "bpf_cpumask_full"};

    static KernelConfig kernelConfig() {
        return KernelConfigSource.system().read();
    }

    static boolean configYes(String name) {
        return kernelConfig().value(name).map("y"::equals).orElse(false);
    }

    /** The calling thread's kernel task id (what bpf_get_current_pid_tgid returns in its low half). */
    static int currentTid() throws IOException {
        // /proc/thread-self -> "<tgid>/task/<tid>"
        String link = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString();
        return Integer.parseInt(link.substring(link.lastIndexOf('/') + 1));
    }

    // ---- kptr_cpumask: tp_btf/task_newtask stores a copy of each new task's cpumask in cpumask_map[pid]

    @Test
    void kptrCpumaskRecordsNewTasks() throws Exception {
        Path obj = SEEDS.resolve("kptr_cpumask.bpf.o");
        Btf vmlinux = Btf.readKernel();
        List<String> missing = new ArrayList<>();
        for (String kfunc : CPUMASK_KFUNCS) {
            if (vmlinux.findByName(kfunc, BtfKind.FUNC).length == 0) {
                missing.add(kfunc);
            }
        }
        if (!missing.isEmpty()) {
            // Linux < 6.3 (Debian 6.1): the kfuncs are not in vmlinux BTF.
            BpfException e = assertThrows(BpfException.class, () -> BpfObject.load(obj).close());
            assertTrue(missing.stream().anyMatch(k -> e.getMessage().contains(k)),
                    "message should name a missing kfunc " + missing + ": " + e.getMessage());
            report("kptr_cpumask", "load refused: " + e.getMessage());
            return;
        }
        final int threads = 8;
        try (OwnedFd stats = RunTimeStats.enable();
                BpfObject o = BpfObject.load(obj)) {
            ObjectProgram prog = o.program("record_task_cpumask");
            BpfMap map = o.map("cpumask_map");
            assertEquals(4, map.keySize());
            assertEquals(8, map.valueSize());
            long runsBefore = prog.info().runCount();
            List<Integer> tids = new ArrayList<>();
            try (BpfLink link = prog.attach()) {
                for (int i = 0; i < threads; i++) {
                    AtomicReference<Integer> tid = new AtomicReference<>();
                    Thread t = new Thread(() -> {
                        try {
                            tid.set(currentTid());
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    });
                    t.start();
                    t.join();
                    assertNotNull(tid.get());
                    tids.add(tid.get());
                }
            }
            // Every clone of those threads ran the program (other tasks created meanwhile add to it).
            long runs = prog.info().runCount() - runsBefore;
            assertTrue(runs >= threads, "program ran " + runs + " times for " + threads + " new threads");
            report("kptr_cpumask", "ran " + runs + " times for " + threads + " threads " + tids);
            // The entry for each new task (pid below max_entries) holds the kptr; the kernel never copies a
            // kptr out to user space, so the read-back value has the field zeroed.
            for (int tid : tids) {
                if (tid < map.maxEntries()) {
                    byte[] v = map.lookup(key32(tid));
                    assertNotNull(v, "cpumask_map[" + tid + "]");
                    assertEquals(0L, ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getLong(0));
                }
            }
        }
    }

    // ---- ksym_task_storage_busy: raw_tp/sys_enter copies this CPU's bpf_task_storage_busy into `busy`

    @Test
    void ksymTaskStorageBusy() throws Exception {
        Path obj = SEEDS.resolve("ksym_task_storage_busy.bpf.o");
        if (!configYes("CONFIG_KALLSYMS_ALL")) {
            BpfException e = assertThrows(BpfException.class, () -> BpfObject.load(obj).close());
            assertTrue(e.getMessage().contains("KALLSYMS_ALL"), e.getMessage());
            report(obj.getFileName().toString(), "load refused: " + e.getMessage());
            return;
        }
        // As the kernel's config says (Debian: CONFIG_PREEMPT unset, so the program stops before the ksym),
        // then with CONFIG_PREEMPT=y supplied in the load options so the bpf_this_cpu_ptr read runs too.
        runTaskStorageBusy(obj, configYes("CONFIG_PREEMPT"), LoadOptions.create());
        runTaskStorageBusy(obj, true, LoadOptions.create().withKernelConfig(Map.of("CONFIG_PREEMPT", "y")));
    }

    private static void runTaskStorageBusy(Path obj, boolean preempt, LoadOptions base) throws IOException {
        int pid = (int) ProcessHandle.current().pid();
        // A sentinel the program can only replace with the kernel's counter.
        final int sentinel = -1;
        LoadOptions opts = base.withVariable("pid", pid).withVariable("busy", sentinel);
        try (OwnedFd stats = RunTimeStats.enable();
                BpfObject o = BpfObject.load(obj, opts)) {
            ObjectProgram prog = o.program("read_bpf_task_storage_busy");
            long runsBefore = prog.info().runCount();
            assertEquals(pid, o.global("pid").readInt());
            assertEquals(sentinel, o.global("busy").readInt());
            try (BpfLink link = prog.attach()) {
                for (int i = 0; i < 10; i++) {
                    Files.exists(SEEDS.resolve("nothing-" + i)); // a stat syscall from this process
                }
            }
            long runs = prog.info().runCount() - runsBefore;
            assertTrue(runs >= 10, "program ran " + runs + " times for at least 10 syscalls");
            // Without CONFIG_PREEMPT the program returns early; with it, it copies this CPU's counter, which
            // is zero at syscall entry (the kernel raises it only inside task-storage operations).
            int expected = preempt ? 0 : sentinel;
            assertEquals(expected, o.global("busy").readInt());
            report("ksym_task_storage_busy", "ran " + runs + " times, CONFIG_PREEMPT=" + preempt + " busy="
                    + o.global("busy").readInt());
        }
    }

    // ---- ksym_prog_active_xdp: bpf_per_cpu_ptr(&bpf_prog_active, cpu) in XDP, run with BPF_PROG_TEST_RUN

    @Test
    void ksymProgActiveXdp() {
        Path obj = SEEDS.resolve("ksym_prog_active_xdp.bpf.o");
        if (!configYes("CONFIG_KALLSYMS_ALL")) {
            BpfException e = assertThrows(BpfException.class, () -> BpfObject.load(obj).close());
            assertTrue(e.getMessage().contains("KALLSYMS_ALL"), e.getMessage());
            report(obj.getFileName().toString(), "load refused: " + e.getMessage());
            return;
        }
        try (BpfObject o = BpfObject.load(obj)) {
            byte[] packet = new byte[64]; // minimal Ethernet frame; the program does not look at it
            TestRunResult r = o.program("xdp_prog").program().testRun(packet, 1);
            // The per-CPU pointer of a real per-CPU variable for the current CPU is never NULL: return 1.
            assertEquals(1, r.returnValue());
            report("ksym_prog_active_xdp", "XDP test run returned " + r.returnValue());
        }
    }

    // ---- ksyscall_write_hist: ksyscall/write counts writes per log2(count) bucket, pid_tgid, uid_gid, comm

    /** The program's log2_bucket. */
    static int log2Bucket(long v) {
        int r = 0;
        for (int i = 0; i < 32 && Long.compareUnsigned(v, 1) > 0; i++) {
            v >>>= 1;
            r++;
        }
        return r;
    }

    @Test
    void ksyscallWriteHistogram() throws Exception {
        Path obj = SEEDS.resolve("ksyscall_write_hist.bpf.o");
        try (BpfObject o = BpfObject.load(obj)) {
            ObjectProgram prog = o.program("bpf_prog3");
            if (!KernelRequirements.kernelHasKprobes()) {
                BpfNotSupportedException e = assertThrows(BpfNotSupportedException.class, () -> prog.attach().close());
                assertTrue(e.getMessage().contains("kprobe") || e.getMessage().contains("CONFIG_KPROBES"),
                        e.getMessage());
                report("ksyscall_write_hist", "attach refused: " + e.getMessage());
                return;
            }
            BpfMap hist = o.map("my_hist_map");
            assertEquals(40, hist.keySize()); // u32 index, pad, u64 pid_tgid, u64 uid_gid, char comm[16]
            int[] sizes = {3, 700, 5000};
            int writesPerSize = 5;
            AtomicReference<Integer> tid = new AtomicReference<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            try (BpfLink link = prog.attach()) {
                // One dedicated thread makes the writes, so its pid_tgid keys count only them.
                Thread writer = new Thread(() -> {
                    try (FileOutputStream out = new FileOutputStream("/dev/null")) {
                        tid.set(currentTid());
                        for (int size : sizes) {
                            byte[] buf = new byte[size];
                            for (int i = 0; i < writesPerSize; i++) {
                                out.write(buf); // one write(2) of exactly `size` bytes
                            }
                        }
                    } catch (Throwable t) {
                        failure.set(t);
                    }
                }, "seed-writer");
                writer.start();
                writer.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            long pidTgid = (ProcessHandle.current().pid() << 32) | (tid.get() & 0xffffffffL);
            long[] perBucket = new long[33];
            for (BpfMap.Entry e : hist.entries()) {
                ByteBuffer k = ByteBuffer.wrap(e.key()).order(ByteOrder.nativeOrder());
                if (k.getLong(8) == pidTgid) {
                    perBucket[k.getInt(0)] += ByteBuffer.wrap(e.value()).order(ByteOrder.nativeOrder()).getLong(0);
                }
            }
            for (int size : sizes) {
                int bucket = log2Bucket(size);
                long expected = 0;
                for (int s : sizes) {
                    if (log2Bucket(s) == bucket) {
                        expected += writesPerSize;
                    }
                }
                assertTrue(perBucket[bucket] >= expected,
                        "bucket " + bucket + " (size " + size + ") counted " + perBucket[bucket] + ", wrote " + expected);
            }
            report("ksyscall_write_hist", "buckets for this thread " + Arrays.toString(perBucket));
        }
    }

    /** One line per seed in the test output (and the matrix logs): which branch ran, with what result. */
    static void report(String seed, String what) {
        String line = what.replace('\n', ' ');
        System.out.println("@@seed " + seed + ": " + (line.length() > 300 ? line.substring(0, 300) + "..." : line));
    }

    static byte[] key32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }
}
