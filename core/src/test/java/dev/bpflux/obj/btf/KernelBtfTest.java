package dev.bpflux.obj.btf;

import dev.bpflux.obj.ExternalTool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The running kernel's BTF: {@code /sys/kernel/btf/vmlinux} is world-readable (0444), so these tests
 * need no privileges; they need a kernel built with CONFIG_DEBUG_INFO_BTF, which every kernel bpflux
 * supports has.
 */
class KernelBtfTest {
    static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");
    static Btf vmlinux;

    @BeforeAll
    static void read() {
        vmlinux = Btf.read(VMLINUX);
    }

    @Test
    void vmlinuxDecodesExactlyAsBpftoolPrintsIt() {
        List<String> expected = ExternalTool.lines(ExternalTool.run("bpftool", "btf", "dump", "file",
                VMLINUX.toString()));
        List<String> actual = BpftoolFormat.dump(vmlinux);
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            if (!expected.get(i).equals(actual.get(i))) {
                assertEquals(expected.get(i), actual.get(i), "line " + (i + 1));
            }
        }
    }

    @Test
    void findsWellKnownTypesByNameAndKind() {
        int[] task = vmlinux.findByName("task_struct", BtfKind.STRUCT);
        assertEquals(1, task.length);
        BtfType.Struct t = vmlinux.type(task[0], BtfType.Struct.class);
        assertTrue(t.members().stream().anyMatch(m -> m.name().equals("pid")));
        assertEquals(t.size(), vmlinux.sizeOf(task[0]));
        // large composites are decoded once per Btf (CO-RE asks for the same kernel structs again
        // for every object a process loads); small types are decoded afresh
        assertSame(t, vmlinux.type(task[0]));
        int[] list = vmlinux.findByName("list_head", BtfKind.STRUCT);
        assertEquals(vmlinux.type(list[0]), vmlinux.type(list[0]));
        assertNotSame(vmlinux.type(list[0]), vmlinux.type(list[0]));
        assertTrue(vmlinux.alignOf(task[0]) >= 8);

        int[] fn = vmlinux.findByName("bpf_task_acquire", BtfKind.FUNC);
        assertEquals(1, fn.length);
        BtfType.FuncProto proto = vmlinux.type(vmlinux.type(fn[0], BtfType.Func.class).type(), BtfType.FuncProto.class);
        assertEquals(1, proto.params().size());

        assertEquals(1, vmlinux.findByName("bpf_map_type", BtfKind.ENUM).length);
        assertEquals(0, vmlinux.findByName("task_struct", BtfKind.UNION).length);
        int[] anyKind = vmlinux.findByName("task_struct", null);
        assertTrue(anyKind.length >= 1);
    }

    @Test
    void everyVariableSizeAndOffsetAgreesWithTheKernelsDatasecs() {
        // pahole computed each per-CPU variable's size and placement; sizeOf/alignOf must agree.
        int checked = 0;
        for (int id = 1; id < vmlinux.nextTypeId(); id++) {
            if (vmlinux.kind(id) != BtfKind.DATASEC) {
                continue;
            }
            for (BtfType.VarSecInfo v : vmlinux.type(id, BtfType.Datasec.class).vars()) {
                assertEquals(v.size(), vmlinux.sizeOf(v.type()), vmlinux.typeName(v.type()));
                assertEquals(0, v.offset() % vmlinux.alignOf(v.type()), vmlinux.typeName(v.type()));
                checked++;
            }
        }
        assertTrue(checked > 100, "checked " + checked);
    }

    @Test
    void everyStructAndUnionSizeIsConsistentWithItsMembers() {
        int checked = 0;
        for (int id = 1; id < vmlinux.nextTypeId(); id++) {
            BtfKind k = vmlinux.kind(id);
            if (k != BtfKind.STRUCT && k != BtfKind.UNION) {
                continue;
            }
            BtfType t = vmlinux.type(id);
            List<BtfType.Member> ms = t instanceof BtfType.Struct ? ((BtfType.Struct) t).members()
                    : ((BtfType.Union) t).members();
            long size = vmlinux.sizeOf(id);
            for (BtfType.Member m : ms) {
                if (m.bitfieldSize() == 0) {
                    long end = m.bitOffset() / 8 + vmlinux.sizeOf(m.type());
                    assertTrue(end <= size, vmlinux.typeName(id) + "." + m.name());
                }
            }
            assertEquals(0, size % vmlinux.alignOf(id), vmlinux.typeName(id));
            checked++;
        }
        assertTrue(checked > 1000);
    }

    @Test
    void moduleSplitBtfDecodesExactlyAsBpftoolPrintsIt() throws IOException {
        List<Path> modules;
        try (Stream<Path> s = Files.list(VMLINUX.getParent())) {
            modules = s.filter(p -> !p.getFileName().toString().equals("vmlinux")).sorted().limit(3)
                    .collect(Collectors.toList());
        }
        if (modules.isEmpty()) {
            // Nothing to decode here (split BTF parsing is covered by BtfTest); make sure the empty listing
            // is because no module is loaded, not because modules' BTF went unseen.
            Path procModules = Path.of("/proc/modules");
            assertTrue(!Files.exists(procModules) || Files.readAllLines(procModules).isEmpty(),
                    "modules are loaded but /sys/kernel/btf lists no module BTF");
            return;
        }
        for (Path m : modules) {
            Btf split = Btf.readSplit(m, vmlinux);
            assertEquals(vmlinux.nextTypeId(), split.firstTypeId());
            List<String> expected = ExternalTool.lines(ExternalTool.run("bpftool", "--base-btf", VMLINUX.toString(),
                    "btf", "dump", "file", m.toString()));
            assertEquals(expected, BpftoolFormat.dump(split), m.toString());
        }
    }
}
