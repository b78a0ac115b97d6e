/** Reversible model merging of LoRA adapters (RMM; spec ../shared/methods/03-rmm-reversible-merging.md): k basis adapters and per-task coefficients, each task rebuilt on demand. */
package org.lowrank4j.adapt.rmm;
