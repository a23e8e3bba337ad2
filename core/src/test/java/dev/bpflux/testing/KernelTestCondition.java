package dev.bpflux.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Decides whether a {@link KernelTest} runs, skips or fails. See {@link KernelRequirements}. */
public final class KernelTestCondition implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String missing = KernelRequirements.whyUnprivileged();
        if (missing == null) {
            return ConditionEvaluationResult.enabled("running with BPF privileges");
        }
        if (KernelRequirements.required()) {
            // Enabled so the test body runs and fails loudly; the reason is printed for the log.
            System.err.println("BPFLUX_REQUIRE_KERNEL=1 but " + missing + ": the test will fail");
            return ConditionEvaluationResult.enabled("kernel required: " + missing);
        }
        return ConditionEvaluationResult.disabled("kernel test skipped: " + missing
                + " (run as root, or set BPFLUX_REQUIRE_KERNEL=1 to make this a failure)");
    }

    static boolean hasCapabilities() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    long caps = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                    boolean sysAdmin = (caps & (1L << 21)) != 0;
                    boolean bpf = (caps & (1L << 39)) != 0;
                    boolean perfmon = (caps & (1L << 38)) != 0;
                    return sysAdmin || (bpf && perfmon);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return false;
        }
        return false;
    }
}
