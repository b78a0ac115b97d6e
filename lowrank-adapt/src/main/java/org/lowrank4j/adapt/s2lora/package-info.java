/**
 * S2-LoRA (spec ../shared/methods/06-sora-s2lora.md B) as an adapter variant: one LoRA pair shared by all adapted layers
 * of a shape, with a sparse per-layer rank-coefficient vector.
 */
package org.lowrank4j.adapt.s2lora;
