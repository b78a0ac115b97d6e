/**
 * The Hugging Face PEFT adapter folder, both ways: {@code adapter_config.json}
 * ({@link org.lowrank4j.adapt.peft.PeftConfig}, unknown fields kept) and {@code adapter_model.safetensors} with PEFT's
 * key names ({@link org.lowrank4j.adapt.peft.PeftFolder}). Spec: ../shared/methods/01-lora-peft.md, "PEFT on-disk format".
 */
package org.lowrank4j.adapt.peft;
