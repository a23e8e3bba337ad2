package dev.bpflux.sys;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CapabilitiesTest {
    @Test
    void onlyTheIdentityMapOverTheWholeRangeIsTheInitialUserNamespace() {
        assertTrue(Capabilities.isInitialUidMap("         0          0 4294967295\n"));
        // unshare -r: root inside, the invoking user outside; rootless podman: a subordinate range.
        assertFalse(Capabilities.isInitialUidMap("         0       1000          1\n"));
        assertFalse(Capabilities.isInitialUidMap("         0     100000      65536\n"));
        assertFalse(Capabilities.isInitialUidMap(""));
    }
}
