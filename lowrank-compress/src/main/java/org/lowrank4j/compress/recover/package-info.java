/**
 * Recovery after compression: distil a compressed model's low-rank factors against the original model on unlabeled
 * text (per-layer hidden-state matching plus output cosine, optionally PELA's weight-perturbation term and SVD-LLM's
 * U-then-V schedule), then write the trained factors back into the compressed model file. See
 * {@link org.lowrank4j.compress.recover.Distiller} and {@link org.lowrank4j.compress.recover.OnnxRecovery}.
 */
package org.lowrank4j.compress.recover;
