/**
 * CSKV (Wang et al., 2024): channel-shrunk key/value caches. Each layer caches the low-dimensional features
 * {@code c = A x} of its attention input instead of keys and values, reconstructs {@code K = B_k c_k}, {@code V = B_v c_v}
 * when attending (RoPE applied to the reconstructed keys at their positions), and keeps the tokens of the current window
 * in full precision.
 */
package org.lowrank4j.nn.cskv;
