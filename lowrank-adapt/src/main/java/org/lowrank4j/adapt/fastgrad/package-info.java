/**
 * Spec 19 (the computational limits of LoRA): the LoRA gradient of one attention head, over every token or causal, in
 * almost linear time in the number of tokens, through polynomial {@link org.lowrank4j.adapt.fastgrad.TaylorFeatures} of
 * the softmax kernel ({@link org.lowrank4j.adapt.fastgrad.TaylorAttention}), beside the exact blocked reference
 * ({@link org.lowrank4j.adapt.fastgrad.ExactAttention}); {@link org.lowrank4j.adapt.fastgrad.LoraAttentionHead} puts
 * either one between LoRA projections. It pays off for small head dimensions, bounded scores and long sequences
 * (results/lora-limits).
 */
package org.lowrank4j.adapt.fastgrad;
