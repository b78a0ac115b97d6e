/**
 * FlashSVD (spec c14) for the JVM runtime: inference that streams the rank-space activations of factorised layers in
 * tiles, so that the full-width intermediates of the naive low-rank forward — the MLP's (N, d_ff) hidden state, the
 * token- and head-major copies of Q, K and V, the (B, H, T, T) probabilities — are never stored. Outputs equal the
 * layer-by-layer forward up to float rounding; memory of the temporaries is accounted by {@link
 * org.lowrank4j.nn.stream.TransientMemory}.
 */
package org.lowrank4j.nn.stream;
