/**
 * LoRA adapters over the JVM runtime's linear layers, in the Hugging Face PEFT format: the layer
 * ({@link org.lowrank4j.adapt.lora}), the adapter folder ({@link org.lowrank4j.adapt.peft}), fine-tuning of decoders
 * ({@link org.lowrank4j.adapt.finetune}), sequence classification on encoders ({@link org.lowrank4j.adapt.classify}) operations on trained adapters ({@link org.lowrank4j.adapt.ops})
 * and several adapters switched per request over one base ({@link org.lowrank4j.adapt.serving}).
 * Specs: ../shared/methods/01-lora-peft.md, 02-lora-squeeze.md.
 */
package org.lowrank4j.adapt;
