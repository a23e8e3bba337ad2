package dev.bpflux.obj;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.bpflux.BpfException;
import dev.bpflux.BpfObjectException;
import dev.bpflux.obj.btf.Btf;
import dev.bpflux.obj.btf.BtfExt;
import dev.bpflux.obj.btf.CoreReloKind;
import dev.bpflux.obj.core.CoreRelocator;
import dev.bpflux.obj.core.TargetBtfs;
import dev.bpflux.obj.elf.ElfFile;
import dev.bpflux.obj.elf.ElfSection;
import dev.bpflux.obj.extern.KallsymsLookup;
import dev.bpflux.obj.extern.KallsymsScanner;
import dev.bpflux.obj.extern.KconfigType;
import dev.bpflux.obj.extern.KconfigValues;
import dev.bpflux.obj.extern.KernelConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Coverage-guided fuzz targets (Jazzer) for every parser that reads bytes bpflux did not write: the
 * ELF reader, the object parser, BTF, BTF.ext, Kconfig text and its value conversion, kallsyms, and the
 * CO-RE relocation step.
 *
 * <p>The contract: a parser ends in a result or in its documented exception ({@link BpfObjectException}
 * for objects and BTF, {@code KconfigFormatException}/{@code KconfigValueException} for Kconfig, none
 * for kallsyms, which skips what it cannot read). Anything else is a finding: another throwable, a
 * {@code BpfObjectException} that merely wraps one (the object parser's safety net caught a gap in
 * our checks), an input that runs past its timeout, or one that makes the parser allocate more than
 * {@link #MAX_ALLOCATION}.
 *
 * <p>{@code mvn verify} runs each target in regression mode: the empty input plus every file under
 * {@code src/test/resources/dev/bpflux/obj/ParserFuzzTestInputs/<target>/} (the small real seeds and
 * every crash found so far). Fuzzing is opt-in, one target per run: {@code scripts/fuzz <target>
 * [seconds]}, which seeds the generated corpus from the committed objects ({@link FuzzSeeds}).
 */
class ParserFuzzTest {
    /**
     * Bytes one input may make a parser allocate. Generous (the largest committed object parses in a
     * few MiB, and forged section sizes are capped at 64 MiB), but far below what a length field taken
     * on trust would ask for.
     */
    static final long MAX_ALLOCATION = 160L << 20;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    /** Names the kallsyms target looks up: plain, data with an LTO suffix, module, and absent. */
    private static final Set<String> KALLSYMS_NAMES =
            Set.of("bpf_prog_active", "init_task", "__start_rodata", "tcp_hashinfo", "nf_conntrack_hash", "no_such");

    @BeforeAll
    static void seedGeneratedCorpus() {
        if (FuzzSeeds.fuzzing()) {
            FuzzSeeds.writeAll(ParserFuzzTest.class);
        }
    }

    @FuzzTest
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void elfFile(byte[] data) {
        within(BpfObjectException.class, () -> {
            ElfFile elf = ElfFile.parse(data, "fuzz.o");
            elf.programHeaders();
            elf.dynamicSymbols();
            elf.symbols().forEach(s -> elf.symbol(s.name()));
            for (ElfSection s : elf.sections()) {
                elf.section(s.name());
                if (s.type() != ElfSection.SHT_NOBITS) {
                    s.data();
                }
                if (s.type() == ElfSection.SHT_REL || s.type() == ElfSection.SHT_RELA) {
                    elf.symbolsOf(s);
                    elf.relocations(s);
                }
                elf.fileOffsetOf(s.addr());
            }
        });
    }

    @FuzzTest
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void objectSpec(byte[] data) {
        within(BpfObjectException.class, () -> {
            BpfObjectSpec spec = BpfObjectSpec.parse(data, "fuzz.o");
            spec.btf().ifPresent(HostileInputTest::walk);
            for (ProgramSpec p : spec.programs()) {
                p.instructions();
                p.coreRelocations();
            }
            spec.maps().forEach(MapSpec::toString);
            spec.externs().forEach(ExternSpec::toString);
            spec.dataSections().forEach(DataSectionSpec::toString);
            spec.toString();
        });
    }

    @FuzzTest
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void btf(byte[] data) {
        within(BpfObjectException.class, () -> HostileInputTest.walk(Btf.parse(data, "fuzz.btf")));
    }

    /** First byte: which committed object's .BTF the extension refers to; the rest: the .BTF.ext. */
    @FuzzTest
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void btfExt(byte[] data) {
        if (data.length < 1) {
            return;
        }
        List<Btf> btfs = FuzzSeeds.corpusBtfs();
        Btf btf = btfs.get(Byte.toUnsignedInt(data[0]) % btfs.size());
        within(BpfObjectException.class, () -> {
            BtfExt ext = BtfExt.parse(ByteBuffer.wrap(data, 1, data.length - 1).slice(), btf, "fuzz.o");
            ext.funcInfos().keySet().forEach(ext::lineInfos);
            ext.coreRelocations();
        });
    }

    /** Kconfig text; every option it sets is then converted to each kind of extern, as a load would. */
    @FuzzTest
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void kernelConfig(byte[] data) {
        within(KernelConfig.KconfigFormatException.class, () -> {
            KernelConfig config = KernelConfig.parse(new String(data, StandardCharsets.UTF_8), "fuzz.config");
            List<String> warnings = new ArrayList<>();
            int tried = 0;
            for (Map.Entry<String, String> e : config.values().entrySet()) {
                if (tried++ == 16) { // each option costs ~30 conversions: keep an input fast
                    break;
                }
                for (KconfigType type : KconfigType.values()) {
                    for (int size : type == KconfigType.INT ? new int[] {2, 4, 8}
                            : type == KconfigType.CHAR_ARRAY ? new int[] {1, 16, 64} : new int[] {1, 4}) {
                        for (boolean signed : new boolean[] {false, true}) {
                            try {
                                KconfigValues.encode(e.getKey(), e.getValue(), type, size, signed, warnings);
                            } catch (KconfigValues.KconfigValueException expected) {
                                // a value that does not suit this type: the documented outcome
                            }
                        }
                    }
                }
            }
        });
    }

    /**
     * kallsyms text fed in chunks (first byte: chunk size, so that lines straddle chunks at every
     * offset). Besides not throwing, every name found must be in the text.
     */
    @FuzzTest
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void kallsyms(byte[] data) {
        if (data.length < 1) {
            return;
        }
        within(null, () -> {
            KallsymsScanner scanner = new KallsymsScanner(KALLSYMS_NAMES);
            int chunk = 1 + Byte.toUnsignedInt(data[0]);
            for (int off = 1; off < data.length; off += chunk) {
                scanner.accept(data, off, Math.min(chunk, data.length - off));
            }
            KallsymsLookup lookup = scanner.finish("fuzz.kallsyms");
            String text = new String(data, StandardCharsets.ISO_8859_1);
            for (String name : lookup.addresses().keySet()) {
                if (!text.contains(name)) {
                    throw new AssertionError("found '" + name + "', which the text does not contain");
                }
            }
        });
    }

    /**
     * Forged CO-RE records against a forged target BTF. Layout ({@link FuzzSeeds#coreInput}): subject
     * byte (program of a committed object), record count, records (insn index, type id, kind, access
     * string), then the target BTF.
     */
    @FuzzTest
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void coreRelocation(byte[] data) {
        ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() < 2) {
            return;
        }
        List<FuzzSeeds.CoreSubject> subjects = FuzzSeeds.coreSubjects();
        FuzzSeeds.CoreSubject subject = subjects.get(Byte.toUnsignedInt(in.get()) % subjects.size());
        int count = 1 + (in.get() & 7);
        List<BtfExt.CoreRelocation> records = new ArrayList<>();
        for (int i = 0; i < count && in.remaining() >= 10; i++) {
            int insn = in.getInt();
            int typeId = in.getInt();
            CoreReloKind kind = CoreReloKind.values()[Byte.toUnsignedInt(in.get()) % CoreReloKind.values().length];
            int len = Math.min(Byte.toUnsignedInt(in.get()) & 0x7f, in.remaining());
            byte[] access = new byte[len];
            in.get(access);
            records.add(new BtfExt.CoreRelocation(insn, typeId, 0, new String(access, StandardCharsets.ISO_8859_1),
                    kind));
        }
        byte[] target = new byte[in.remaining()];
        in.get(target);
        within(BpfObjectException.class, () -> {
            TargetBtfs targets = TargetBtfs.of(Btf.parse(target, "fuzz-target.btf"), Map.of());
            CoreRelocator.create(subject.btf(), targets).relocate(subject.instructions(), records);
        });
    }

    /**
     * Runs {@code parse}, letting {@code allowed} (null: nothing) end it, and fails on a wrapped
     * exception or an allocation over {@link #MAX_ALLOCATION}. An input over the limit is parsed a
     * second time before it counts: the first input to reach a class pays for loading it, and while
     * fuzzing for Jazzer instrumenting it (hundreds of MiB on the same thread).
     */
    private static void within(Class<? extends BpfException> allowed, Runnable parse) {
        long used = allocatedBy(allowed, parse);
        if (used > MAX_ALLOCATION) {
            used = allocatedBy(allowed, parse);
        }
        if (used > MAX_ALLOCATION) {
            throw new AssertionError("parsing allocated " + (used >> 20) + " MiB (limit " + (MAX_ALLOCATION >> 20)
                    + " MiB)");
        }
    }

    private static long allocatedBy(Class<? extends BpfException> allowed, Runnable parse) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        try {
            parse.run();
        } catch (BpfException e) {
            if (allowed == null || !allowed.isInstance(e)) {
                throw e;
            }
            if (e.getCause() != null) {
                throw new AssertionError("a gap in the parser's own checks, caught by its safety net: "
                        + e.getMessage(), e.getCause());
            }
        }
        return THREADS.getCurrentThreadAllocatedBytes() - before;
    }
}
