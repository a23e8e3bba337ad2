package dev.bpflux.sys;

/**
 * The kernel's rule for map and program names ({@code map_name}/{@code prog_name} in
 * {@code union bpf_attr}): at most {@code BPF_OBJ_NAME_LEN - 1} = 15 bytes of {@code [A-Za-z0-9_.]};
 * anything else makes BPF_MAP_CREATE / BPF_PROG_LOAD fail with EINVAL.
 */
public final class KernelObjectName {
    private static final int MAX_LENGTH = 15;

    private KernelObjectName() {
    }

    /** Truncates to 15 bytes and replaces characters the kernel refuses with '_'; null becomes "". */
    public static String sanitize(String name) {
        if (name == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(Math.min(name.length(), MAX_LENGTH));
        for (int i = 0; i < name.length() && sb.length() < MAX_LENGTH; i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                    || c == '.';
            sb.append(ok ? c : '_');
        }
        return sb.toString();
    }
}
