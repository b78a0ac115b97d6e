/**
 * Adapters in use rather than in training: {@link org.lowrank4j.adapt.serving.AdapterSwitch} attaches several PEFT LoRA
 * folders to one decoder and switches between them (or back to the base) per generation, for {@code lowrank serve} and
 * {@code lowrank generate}.
 */
package org.lowrank4j.adapt.serving;
