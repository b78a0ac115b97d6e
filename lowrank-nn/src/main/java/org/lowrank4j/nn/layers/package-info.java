/**
 * Layers as forward/backward pairs in the style of llm.c, shapes in comments: {@link org.lowrank4j.nn.layers.Embedding},
 * {@link org.lowrank4j.nn.layers.LayerNorm}, {@link org.lowrank4j.nn.layers.RMSNorm}, {@link org.lowrank4j.nn.layers.Linear},
 * {@link org.lowrank4j.nn.layers.Attention} (padding mask, causal, RoPE, grouped-query heads, KV cache),
 * {@link org.lowrank4j.nn.layers.GeluMlp}, {@link org.lowrank4j.nn.layers.SwiGluMlp} and
 * {@link org.lowrank4j.nn.layers.SoftmaxCrossEntropy}.
 */
package org.lowrank4j.nn.layers;
