package dev.bpflux.obj;

import dev.bpflux.BpfObjectException;
import dev.bpflux.obj.btf.BtfType;
import dev.bpflux.obj.elf.ElfFile;
import dev.bpflux.obj.elf.ElfSection;
import dev.bpflux.obj.elf.ElfSymbol;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Expected values come from the C sources beside each object, or from its ELF symbols. */
class BpfObjectSpecTest {

    static BpfObjectSpec spec(String name) {
        return BpfObjectSpec.read(ObjectCorpus.obj(name));
    }

    @Test
    void programsAreTheGlobalFunctionsOfProgramSections() {
        for (Path obj : ObjectCorpus.accepted()) {
            ElfFile elf = ElfFile.read(obj);
            Set<String> expected = new TreeSet<>();
            for (ElfSymbol s : elf.symbols()) {
                if (s.type() == ElfSymbol.STT_FUNC && s.binding() != ElfSymbol.STB_LOCAL
                        && !elf.section(s.sectionIndex()).name().equals(".text")) {
                    expected.add(s.name() + "@" + elf.section(s.sectionIndex()).name());
                }
            }
            BpfObjectSpec spec = BpfObjectSpec.read(obj);
            assertEquals(expected, spec.programs().stream().map(p -> p.name() + "@" + p.sectionName())
                    .collect(Collectors.toCollection(TreeSet::new)), obj.toString());
            for (ProgramSpec p : spec.programs()) {
                ElfSymbol sym = elf.symbol(p.name()).orElseThrow();
                assertEquals(sym.size() / 8, p.instructions().size(), obj + " " + p.name());
                Instructions insns = p.instructions();
                assertTrue(java.util.stream.IntStream.range(0, insns.size())
                        .anyMatch(i -> insns.opcode(i) == Instructions.OP_EXIT), p.name());
                assertEquals(1, p.funcInfos().stream().filter(f -> f.insnIndex() == 0).count());
                assertFalse(p.lineInfos().isEmpty());
            }
            assertEquals("GPL", spec.license().contains("GPL") ? "GPL" : spec.license());
        }
    }

    @Test
    void sectionNamesGiveTypeAttachTypeTargetAndSleepable() {
        BpfObjectSpec spec = spec("sections.bpf.o");
        assertEquals(45, spec.programs().size());
        check(spec, "p_ksyscall", ProgramType.KPROBE, null, "write", false);
        check(spec, "p_kretsyscall", ProgramType.KPROBE, null, "openat", false);
        check(spec, "p_kprobe", ProgramType.KPROBE, null, "do_unlinkat", false);
        check(spec, "p_kprobe_multi", ProgramType.KPROBE, AttachType.TRACE_KPROBE_MULTI, "vfs_*", false);
        check(spec, "p_uprobe_bare", ProgramType.KPROBE, null, "", false);
        check(spec, "p_uprobe", ProgramType.KPROBE, null, "/usr/bin/true:main", false);
        check(spec, "p_uprobe_s", ProgramType.KPROBE, null, "libc.so.6:free", true);
        check(spec, "p_usdt", ProgramType.KPROBE, null, "", false);
        check(spec, "p_tp", ProgramType.TRACEPOINT, null, "syscalls/sys_enter_write", false);
        check(spec, "p_tracepoint", ProgramType.TRACEPOINT, null, "sched/sched_switch", false);
        check(spec, "p_raw_tp", ProgramType.RAW_TRACEPOINT, null, "sys_enter", false);
        check(spec, "p_raw_tracepoint", ProgramType.RAW_TRACEPOINT, null, "sys_exit", false);
        check(spec, "p_tp_btf", ProgramType.TRACING, AttachType.TRACE_RAW_TP, "sched_wakeup", false);
        check(spec, "p_fentry", ProgramType.TRACING, AttachType.TRACE_FENTRY, "do_unlinkat", false);
        check(spec, "p_fexit", ProgramType.TRACING, AttachType.TRACE_FEXIT, "do_unlinkat", false);
        check(spec, "p_fmod_ret", ProgramType.TRACING, AttachType.MODIFY_RETURN, "security_file_open", false);
        check(spec, "p_fentry_s", ProgramType.TRACING, AttachType.TRACE_FENTRY, "do_sys_openat2", true);
        check(spec, "p_lsm", ProgramType.LSM, AttachType.LSM_MAC, "file_open", false);
        check(spec, "p_lsm_s", ProgramType.LSM, AttachType.LSM_MAC, "bprm_committed_creds", true);
        check(spec, "p_iter", ProgramType.TRACING, AttachType.TRACE_ITER, "task", false);
        check(spec, "p_iter_s", ProgramType.TRACING, AttachType.TRACE_ITER, "task_file", true);
        check(spec, "p_perf_event", ProgramType.PERF_EVENT, null, "", false);
        check(spec, "p_syscall", ProgramType.SYSCALL, null, "", true);
        check(spec, "p_xdp", ProgramType.XDP, AttachType.XDP, "", false);
        check(spec, "p_xdp_frags", ProgramType.XDP, AttachType.XDP, "", false);
        assertTrue(spec.program("p_xdp_frags").orElseThrow().section().xdpFrags());
        check(spec, "p_tc", ProgramType.SCHED_CLS, null, "", false);
        check(spec, "p_classifier", ProgramType.SCHED_CLS, null, "", false);
        check(spec, "p_tcx_ingress", ProgramType.SCHED_CLS, AttachType.TCX_INGRESS, "", false);
        check(spec, "p_tcx_egress", ProgramType.SCHED_CLS, AttachType.TCX_EGRESS, "", false);
        check(spec, "p_socket", ProgramType.SOCKET_FILTER, null, "", false);
        check(spec, "p_sk_skb_parser", ProgramType.SK_SKB, AttachType.SK_SKB_STREAM_PARSER, "", false);
        check(spec, "p_cgroup_skb_ingress", ProgramType.CGROUP_SKB, AttachType.CGROUP_INET_INGRESS, "", false);
        check(spec, "p_cgroup_skb", ProgramType.CGROUP_SKB, null, "", false);
        check(spec, "p_sock_create", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_CREATE, "", false);
        check(spec, "p_connect4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_CONNECT, "", false);
        check(spec, "p_struct_ops", ProgramType.STRUCT_OPS, null, "bpflux_test_op", false);
        assertEquals(13, ProgramType.KPROBE.value() + ProgramType.SOCKET_FILTER.value() + 10);
        assertEquals(46, AttachType.TCX_INGRESS.value());
    }

    private static void check(BpfObjectSpec spec, String name, ProgramType type, AttachType attach, String target,
                              boolean sleepable) {
        ProgramSpec p = spec.program(name).orElseThrow(() -> new AssertionError("no program " + name));
        assertEquals(type, p.type(), name);
        assertEquals(attach, p.expectedAttachType().orElse(null), name);
        assertEquals(target, p.attachTarget(), name);
        assertEquals(sleepable, p.sleepable(), name);
    }

    @Test
    void codeInAnUnknownSectionIsAProgramOfUnknownTypeAsInLibbpf() throws Exception {
        // Rejecting the whole object kept tools from loading their valid programs (libbpf opens it and
        // refuses only a program of unknown type that is loaded); the loader tests that refusal.
        ProgramSpec p = spec("unknown_section.bpf.o").program("nowhere").orElseThrow();
        assertEquals("bogus/thing", p.sectionName());
        assertEquals(ProgramType.UNSPEC, p.type());
        assertFalse(p.typeKnown());
        assertEquals(ProgramSections.AutoAttach.MANUAL, p.section().autoAttach());
        ProgramSpec typed = p.withType(ProgramType.SOCKET_FILTER, null);
        assertTrue(typed.typeKnown());
        assertEquals(ProgramType.SOCKET_FILTER, typed.type());
        assertEquals(ProgramType.UNSPEC, p.type(), "specs are immutable");
    }

    @Test
    void theTableSaysHowEachSectionAttaches() {
        ProgramSections.Definition kretprobe = ProgramSections.match("kretprobe/do_unlinkat").orElseThrow().definition();
        assertEquals(ProgramSections.AutoAttach.KPROBE, kretprobe.autoAttach());
        assertTrue(kretprobe.returnProbe());
        assertFalse(ProgramSections.match("kprobe/x").orElseThrow().definition().returnProbe());
        assertTrue(ProgramSections.match("kretsyscall/write").orElseThrow().definition().returnProbe());
        assertEquals(ProgramSections.AutoAttach.UPROBE, ProgramSections.match("uretprobe.s").orElseThrow()
                .definition().autoAttach());
        assertEquals(ProgramSections.AutoAttach.TCX, ProgramSections.match("tc/ingress").orElseThrow().definition()
                .autoAttach());
        assertEquals(ProgramSections.AutoAttach.MANUAL, ProgramSections.match("tc").orElseThrow().definition()
                .autoAttach());
        assertEquals(ProgramSections.AutoAttach.CGROUP, ProgramSections.match("sockops").orElseThrow().definition()
                .autoAttach());
        assertEquals(ProgramSections.AutoAttach.CGROUP, ProgramSections.match("cgroup/skb").orElseThrow().definition()
                .autoAttach());
        assertEquals(ProgramSections.AutoAttach.MANUAL, ProgramSections.match("lsm_cgroup/x").orElseThrow()
                .definition().autoAttach());
        assertEquals(ProgramSections.AutoAttach.XDP, ProgramSections.match("xdp.frags").orElseThrow().definition()
                .autoAttach());
        assertEquals(ProgramSections.AutoAttach.MANUAL, ProgramSections.match("xdp/devmap").orElseThrow()
                .definition().autoAttach());
        assertTrue(ProgramSections.match("lsm_cgroup/x").orElseThrow().definition().trampoline());
        assertFalse(ProgramSections.match("tp_btf/x").orElseThrow().definition().trampoline());
        // Every definition the kernel loads only with a BTF target says so (attach_btf_id).
        for (ProgramSections.Definition d : ProgramSections.definitions()) {
            boolean btfType = d.type() == ProgramType.TRACING || d.type() == ProgramType.LSM
                    || d.type() == ProgramType.EXT;
            assertEquals(btfType, d.attachBtf(), d.pattern());
            assertEquals(d.autoAttach().targetAtLoad(), d.attachBtf() && d.autoAttach() != ProgramSections.AutoAttach.MANUAL,
                    d.pattern());
        }
    }

    @Test
    void sectionTargetsParseAsTheAttacherReadsThem() {
        assertEquals(new ProgramSections.TracepointName("syscalls", "sys_enter_write"),
                ProgramSections.TracepointName.parse("syscalls/sys_enter_write").orElseThrow());
        assertTrue(ProgramSections.TracepointName.parse("sys_enter_write").isEmpty());
        assertTrue(ProgramSections.TracepointName.parse("syscalls/").isEmpty());
        assertEquals(new ProgramSections.KprobeTarget("do_unlinkat", 0x10),
                ProgramSections.KprobeTarget.parse("do_unlinkat+0x10").orElseThrow());
        assertEquals(new ProgramSections.KprobeTarget("do_unlinkat", 0),
                ProgramSections.KprobeTarget.parse("do_unlinkat").orElseThrow());
        // A section is hostile input: a bad offset is "no target", not a NumberFormatException at attach.
        assertTrue(ProgramSections.KprobeTarget.parse("do_unlinkat+zz").isEmpty());
        assertTrue(ProgramSections.KprobeTarget.parse("do_unlinkat+-8").isEmpty());
        assertTrue(ProgramSections.KprobeTarget.parse("").isEmpty());
        assertEquals(new ProgramSections.UprobeTarget("/usr/lib/libc.so.6", "malloc"),
                ProgramSections.UprobeTarget.parse("/usr/lib/libc.so.6:malloc").orElseThrow());
        assertTrue(ProgramSections.UprobeTarget.parse("malloc").isEmpty());
        assertEquals(new ProgramSections.BtfTarget("btf_trace_sched_switch", dev.bpflux.obj.btf.BtfKind.TYPEDEF),
                ProgramSections.BtfTarget.of(AttachType.TRACE_RAW_TP, "sched_switch"));
        assertEquals(new ProgramSections.BtfTarget("bpf_lsm_file_open", dev.bpflux.obj.btf.BtfKind.FUNC),
                ProgramSections.BtfTarget.of(AttachType.LSM_MAC, "file_open"));
        assertEquals(new ProgramSections.BtfTarget("do_unlinkat", dev.bpflux.obj.btf.BtfKind.FUNC),
                ProgramSections.BtfTarget.of(AttachType.TRACE_FENTRY, "do_unlinkat"));
    }

    @Test
    void sectionMatchingFollowsLibbpfRules() {
        assertTrue(ProgramSections.match("kprobe").isPresent());
        assertTrue(ProgramSections.match("kprobex/foo").isEmpty());
        assertTrue(ProgramSections.match("sk_skb/anything").isEmpty()); // "sk_skb" is an exact name
        assertEquals("x", ProgramSections.match("sk_skb/stream_parser").map(m -> "x").orElseThrow());
        assertEquals("", ProgramSections.match("sk_skb").orElseThrow().attachTarget());
        assertEquals(ProgramType.SK_SKB, ProgramSections.match("sk_skb").orElseThrow().definition().type());
        assertTrue(ProgramSections.match("xdpx").isEmpty());
        assertEquals(AttachType.XDP_DEVMAP, ProgramSections.match("xdp.frags/devmap").orElseThrow().definition()
                .attachType());
        assertTrue(ProgramSections.match("kretprobe.multi/x").orElseThrow().definition().pattern()
                .startsWith("kretprobe.multi"));
    }

    @Test
    void mapsOfEveryFlavour() {
        BpfObjectSpec spec = spec("maps_all.bpf.o");
        assertEquals(13, spec.maps().size());
        MapSpec hash = spec.map("hash_by_type").orElseThrow();
        assertEquals(MapType.HASH, hash.type());
        assertEquals(8, hash.keySize()); // struct key3 {u32; u16; u8} with padding
        assertEquals(8, hash.valueSize());
        assertEquals(128, hash.maxEntries());
        assertEquals(1, hash.flags()); // BPF_F_NO_PREALLOC
        assertEquals("key3", spec.btf().orElseThrow().typeName(hash.keyTypeId()));
        MapSpec bySize = spec.map("array_by_size").orElseThrow();
        assertEquals(List.of(4, 24, 16, 0, 0), List.of(bySize.keySize(), bySize.valueSize(), bySize.maxEntries(),
                bySize.keyTypeId(), bySize.valueTypeId()));
        assertEquals(PinType.BY_NAME, spec.map("pinned_lru").orElseThrow().pinning());
        assertEquals(PinType.NONE, hash.pinning());
        assertEquals(3, spec.map("bloom").orElseThrow().mapExtra());
        assertEquals(MapType.RINGBUF, spec.map("events").orElseThrow().type());
        assertEquals(256 * 1024, spec.map("events").orElseThrow().maxEntries());
        assertEquals(4, spec.map("perf_events").orElseThrow().valueSize());

        MapSpec outer = spec.map("outer_array").orElseThrow();
        assertEquals(MapType.ARRAY_OF_MAPS, outer.type());
        assertEquals(4, outer.valueSize());
        MapSpec inner = outer.inner().orElseThrow();
        assertEquals(List.of(MapType.ARRAY, 4, 4, 2), List.of(inner.type(), inner.keySize(), inner.valueSize(),
                inner.maxEntries()));
        assertEquals(Map.of(0, "inner_a", 3, "inner_b"), outer.initialValues());
        MapSpec outerHash = spec.map("outer_hash").orElseThrow();
        assertEquals(MapType.HASH, outerHash.inner().orElseThrow().type());
        assertEquals(32, outerHash.inner().orElseThrow().maxEntries());
        assertTrue(outerHash.initialValues().isEmpty());
        MapSpec jump = spec.map("jump_table").orElseThrow();
        assertEquals(MapType.PROG_ARRAY, jump.type());
        assertEquals(Map.of(1, "tail_target"), jump.initialValues());
        assertTrue(spec.program("tail_target").isPresent());

        MapSpec bigger = hash.withMaxEntries(4096);
        assertEquals(4096, bigger.maxEntries());
        assertEquals(128, hash.maxEntries());
        assertEquals(hash, bigger.toBuilder().maxEntries(128).build());

        ProgramSpec use = spec.program("use_maps").orElseThrow();
        Set<String> referenced = use.relocations().stream().filter(r -> r instanceof Relocation.MapReference)
                .map(r -> ((Relocation.MapReference) r).mapName()).collect(Collectors.toSet());
        assertEquals(Set.of("hash_by_type", "array_by_size", "percpu", "pinned_lru", "bloom", "trie", "outer_array",
                "outer_hash", "events", "perf_events", "jump_table"), referenced);
        for (Relocation r : use.relocations()) {
            assertTrue(use.instructions().isLdImm64(r.insnIndex()));
        }
    }

    @Test
    void globalDataOfEveryKind() {
        BpfObjectSpec spec = spec("globals.bpf.o");
        assertEquals("Dual BSD/GPL", spec.license());
        assertEquals(0x060100, spec.kernelVersion().orElseThrow());
        assertEquals(Set.of(".data", ".rodata", ".bss", ".data.custom", ".rodata.custom", ".data.buffers"),
                spec.dataSections().stream().map(DataSectionSpec::name).collect(Collectors.toSet()));
        DataSectionSpec data = spec.dataSection(".data").orElseThrow();
        assertFalse(data.readOnly());
        VariableSpec counter = data.variable("counter").orElseThrow();
        assertEquals(5, data.initialValue().getInt(counter.offset()));
        VariableSpec hidden = data.variable("hidden_total").orElseThrow();
        assertEquals(BtfType.VarLinkage.STATIC, hidden.linkage());
        assertEquals(0x1122334455667788L, data.initialValue().getLong(hidden.offset()));
        assertTrue(data.btfTypeId() > 0);

        DataSectionSpec ro = spec.dataSection(".rodata").orElseThrow();
        assertTrue(ro.readOnly());
        assertEquals(42, ro.initialValue().getInt(ro.variable("target_pid").orElseThrow().offset()));
        VariableSpec cfg = ro.variable("cfg").orElseThrow();
        assertEquals(32, cfg.size());
        assertEquals(7, ro.initialValue().getInt(cfg.offset()));
        DataSectionSpec patched = ro.withVariable("target_pid", new byte[] {1, 0, 0, 0});
        assertEquals(1, patched.initialValue().getInt(0));
        assertEquals(42, ro.initialValue().getInt(0));
        assertThrows(IllegalArgumentException.class, () -> ro.withVariable("target_pid", new byte[2]));
        assertThrows(IllegalArgumentException.class, () -> ro.withVariable("nope", new byte[4]));

        DataSectionSpec bss = spec.dataSection(".bss").orElseThrow();
        assertTrue(bss.isBss());
        assertArrayEquals(new byte[bss.size()], bss.initialBytes());
        assertEquals(32, bss.variable("hits").orElseThrow().size());
        assertEquals(0xabcdef, spec.dataSection(".data.custom").orElseThrow().initialValue().getInt(0));
        assertTrue(spec.dataSection(".rodata.custom").orElseThrow().readOnly());
        assertEquals(256, spec.dataSection(".data.buffers").orElseThrow().size());

        // Every data reference points into its section at a variable's offset.
        for (Relocation r : spec.program("touch_globals").orElseThrow().relocations()) {
            Relocation.DataReference d = (Relocation.DataReference) r;
            DataSectionSpec sec = spec.dataSection(d.sectionName()).orElseThrow();
            assertTrue(d.offset() >= 0 && d.offset() < sec.size());
            if (!d.variableName().isEmpty()) {
                assertEquals(sec.variable(d.variableName()).orElseThrow().offset(), d.offset());
            }
        }
    }

    @Test
    void externsOfEveryKind() {
        BpfObjectSpec spec = spec("externs.bpf.o");
        Map<String, ExternSpec> e = new HashMap<>();
        spec.externs().forEach(x -> e.put(x.name(), x));
        assertEquals(ExternSpec.Kind.KCONFIG, e.get("LINUX_KERNEL_VERSION").kind());
        assertEquals(ExternSpec.Kind.KCONFIG, e.get("CONFIG_HZ").kind());
        assertTrue(e.get("CONFIG_BPFLUX_DOES_NOT_EXIST").weak());
        assertFalse(e.get("CONFIG_HZ").weak());
        assertEquals(1, e.get("CONFIG_BPF_SYSCALL").size());
        assertEquals(ExternSpec.Kind.KSYM_VARIABLE, e.get("bpf_prog_active").kind());
        assertEquals(ExternSpec.Kind.KSYM_UNTYPED, e.get("bpf_link_fops").kind());
        assertTrue(e.get("bpflux_missing_symbol").weak());
        assertEquals(ExternSpec.Kind.KFUNC, e.get("bpf_task_acquire").kind());
        assertEquals(ExternSpec.Kind.KFUNC, e.get("bpflux_missing_kfunc").kind());
        assertTrue(e.get("bpflux_missing_kfunc").weak());
        assertEquals(10, e.size());
        // kconfig layout: 4-byte values first (aligned), then the bool; no overlaps.
        int end = 0;
        for (ExternSpec x : spec.externs().stream().filter(x -> x.kind() == ExternSpec.Kind.KCONFIG)
                .sorted((a, b) -> Integer.compare(a.offset(), b.offset())).collect(Collectors.toList())) {
            assertTrue(x.offset() >= end && x.offset() % x.size() == 0, x.toString());
            end = x.offset() + x.size();
        }
        assertEquals(end, spec.kconfigSize());
        assertEquals(13, spec.kconfigSize());

        ProgramSpec p = spec.program("use_externs").orElseThrow();
        for (Relocation r : p.relocations()) {
            if (r instanceof Relocation.ExternReference) {
                Relocation.ExternReference x = (Relocation.ExternReference) r;
                ExternSpec ex = e.get(x.externName());
                assertEquals(ex.kind() == ExternSpec.Kind.KFUNC && x.call(), x.call());
                if (x.call()) {
                    assertEquals(Instructions.OP_CALL, p.instructions().opcode(x.insnIndex()));
                } else {
                    assertTrue(p.instructions().isLdImm64(x.insnIndex()));
                }
            }
        }
        assertTrue(p.relocations().stream().anyMatch(r -> r instanceof Relocation.ExternReference
                && ((Relocation.ExternReference) r).call()));
    }

    @Test
    void subprogramsAndCallbacksResolveToFunctions() {
        BpfObjectSpec spec = spec("subprogs.bpf.o");
        assertEquals(Set.of("first", "second", "third"), spec.programs().stream().map(ProgramSpec::name)
                .collect(Collectors.toSet()));
        assertEquals(Set.of("global_add", "static_twice", "in_section_helper", "loop_body", "sum_elem",
                "section_static"), spec.subprograms().stream().map(FunctionSpec::name).collect(Collectors.toSet()));
        FunctionSpec sectionStatic = spec.subprograms().stream().filter(f -> f.name().equals("section_static"))
                .findFirst().orElseThrow();
        assertEquals("tp/syscalls/sys_enter_getuid", sectionStatic.sectionName());
        assertFalse(sectionStatic.global());

        Set<String> called = new TreeSet<>();
        int pointers = 0;
        for (FunctionSpec f : allFunctions(spec)) {
            for (Relocation r : f.relocations()) {
                if (r instanceof Relocation.SubprogramCall) {
                    Relocation.SubprogramCall c = (Relocation.SubprogramCall) r;
                    FunctionSpec target = spec.function(c.targetSection(), c.targetInsnIndex()).orElseThrow();
                    called.add(f.name() + "->" + target.name());
                    if (c.kind() == Relocation.CallKind.FUNCTION_POINTER) {
                        assertTrue(f.instructions().isLdImm64(c.insnIndex()));
                        pointers++;
                    } else {
                        assertTrue(f.instructions().isPseudoCall(c.insnIndex()));
                    }
                }
            }
        }
        assertTrue(called.containsAll(Set.of("first->static_twice", "first->section_static", "first->in_section_helper",
                "first->loop_body", "second->sum_elem", "second->global_add", "static_twice->global_add",
                "third->loop_body")), called.toString());
        assertEquals(3, pointers);
        // The call to section_static needed no ELF relocation: it is synthesized from the instruction.
        assertTrue(spec.program("first").orElseThrow().relocations().stream()
                .anyMatch(r -> r instanceof Relocation.SubprogramCall && r.raw() == null));
        // BTF.ext records of subprograms are rebased to their own first instruction.
        for (FunctionSpec f : spec.subprograms()) {
            assertEquals(f.name(), spec.btf().orElseThrow().typeName(f.btfFuncId()));
        }
    }

    @Test
    void coreRelocationsAreAttachedToTheirProgram() {
        ProgramSpec p = spec("core_relos.bpf.o").program("core_kinds").orElseThrow();
        assertTrue(p.coreRelocations().size() >= 13);
        for (var r : p.coreRelocations()) {
            assertTrue(r.insnIndex() >= 0 && r.insnIndex() < p.instructions().size());
        }
    }

    @Test
    void seedExamplesParse() {
        BpfObjectSpec kptr = BpfObjectSpec.read(ObjectCorpus.seed("kptr_cpumask.bpf.o"));
        assertEquals(ProgramType.TRACING, kptr.program("record_task_cpumask").orElseThrow().type());
        assertEquals(4, kptr.externs().stream().filter(e -> e.kind() == ExternSpec.Kind.KFUNC).count());
        BpfObjectSpec hist = BpfObjectSpec.read(ObjectCorpus.seed("ksyscall_write_hist.bpf.o"));
        assertEquals("write", hist.program("bpf_prog3").orElseThrow().attachTarget());
        assertEquals(40, hist.map("my_hist_map").orElseThrow().keySize());
        BpfObjectSpec busy = BpfObjectSpec.read(ObjectCorpus.seed("ksym_task_storage_busy.bpf.o"));
        assertTrue(busy.extern("CONFIG_PREEMPT").orElseThrow().weak());
        assertEquals(MapType.TASK_STORAGE, busy.map("task").orElseThrow().type());
        BpfObjectSpec xdp = BpfObjectSpec.read(ObjectCorpus.seed("ksym_prog_active_xdp.bpf.o"));
        assertEquals(ExternSpec.Kind.KSYM_VARIABLE, xdp.extern("bpf_prog_active").orElseThrow().kind());
    }

    @Test
    void rejectedObjectsSayWhyAndWhatToDo() throws Exception {
        BpfObjectException legacy = assertThrows(BpfObjectException.class, () -> spec("legacy_maps.bpf.o"));
        assertTrue(legacy.getMessage().contains("legacy 'maps' section"), legacy.getMessage());
        assertTrue(legacy.getMessage().contains("SEC(\".maps\")"), legacy.getMessage());
        assertEquals("maps", legacy.section());
        // Not a BPF object at all: an x86-64 shared library.
        byte[] libc = Files.readAllBytes(Path.of("/lib/x86_64-linux-gnu/libc.so.6"));
        assertTrue(assertThrows(BpfObjectException.class, () -> BpfObjectSpec.parse(libc, "libc"))
                .getMessage().contains("EM_BPF"));
    }

    @Test
    void parseFromMemoryEqualsReadFromFile() throws Exception {
        Path p = ObjectCorpus.obj("subprogs.bpf.o");
        BpfObjectSpec a = BpfObjectSpec.read(p);
        BpfObjectSpec b = BpfObjectSpec.parse(Files.readAllBytes(p), "subprogs");
        assertEquals(a.programs().stream().map(ProgramSpec::function).collect(Collectors.toList()),
                b.programs().stream().map(ProgramSpec::function).collect(Collectors.toList()));
        assertEquals(a.maps(), b.maps());
        assertEquals(a.dataSections(), b.dataSections());
        ElfSection text = ElfFile.read(p).section(".text").orElseThrow();
        ByteBuffer code = text.data().order(ByteOrder.LITTLE_ENDIAN);
        FunctionSpec first = a.subprograms().get(0);
        assertEquals(code.getLong(first.sectionIndex() * 8), first.instructions().raw(0));
    }

    static List<FunctionSpec> allFunctions(BpfObjectSpec spec) {
        List<FunctionSpec> all = new java.util.ArrayList<>(spec.subprograms());
        spec.programs().forEach(p -> all.add(p.function()));
        return all;
    }

    /** Found by ParserFuzzTest.objectSpec: .bss sections cost no file bytes, so a 2 KB file allocated 221 MiB. */
    @Test
    void dataSectionsTogetherAreCapped() throws Exception {
        byte[] obj = Files.readAllBytes(ObjectCorpus.obj("globals.bpf.o"));
        ElfFile elf = ElfFile.parse(obj, "globals.bpf.o");
        ByteBuffer b = ByteBuffer.wrap(obj).order(ByteOrder.LITTLE_ENDIAN);
        for (String name : List.of(".bss", ".data")) {
            int header = (int) (b.getLong(40) + 64L * elf.section(name).orElseThrow().index());
            b.putInt(header + 4, ElfSection.SHT_NOBITS);
            b.putLong(header + 32, 40L << 20); // 40 MiB each: under the per-section limit, over the total
        }
        BpfObjectException e = assertThrows(BpfObjectException.class, () -> BpfObjectSpec.parse(obj, "big.o"));
        assertTrue(e.getMessage().contains("data sections take 8388612") && e.getMessage().contains("bytes together, over the 67108864-byte limit"), e.getMessage());
    }
}
