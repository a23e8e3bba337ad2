// SPDX-License-Identifier: GPL-2.0
/* extern_resolution.bpf.c without its externs: the baseline of the libbpf comparison. */
#define NO_EXTERNS
#include "extern_resolution.bpf.c"
