/**
 * Whether each program of one object can load and attach on the running kernel, and if not exactly
 * why: {@link dev.bpflux.load.compat.CompatibilityCheck} answers without loading (from the same extern
 * resolution, linking and CO-RE code {@link dev.bpflux.load.BpfObject#load} uses, plus
 * {@link dev.bpflux.kernel.FeatureProbes} and the kernel's attach points) or by loading and attaching
 * each program alone ({@code verify}). For shipping one compiled object to a fleet of kernels.
 */
package dev.bpflux.load.compat;
