/**
 * The LoRA layer: {@link org.lowrank4j.adapt.lora.LoraWeight} wraps any
 * {@link org.lowrank4j.nn.weight.WeightFactorization} of a {@link org.lowrank4j.nn.layers.Linear} and adds named
 * rank-r updates {@code s·B·A}; {@link org.lowrank4j.adapt.lora.LoraModel} attaches them to the projections of a
 * whole model by PEFT's target-module rules.
 */
package org.lowrank4j.adapt.lora;
