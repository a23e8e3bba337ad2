/** What the samples share: command-line conversions. */
package dev.bpflux.samples;
