/**
 * Fine-tuning a decoder folder with LoRA on the runtime's trainer: {@link org.lowrank4j.adapt.finetune.FineTuning#run}
 * takes a {@link org.lowrank4j.adapt.finetune.FineTuneRequest} and gives a
 * {@link org.lowrank4j.adapt.finetune.FineTuneOutcome} (held-out perplexity before and after, the adapter folder); with an
 * {@link org.lowrank4j.adapt.finetune.InSqueeze} schedule the adapters are squeezed to a lower rank during the run, by
 * any of the post-hoc squeezes (calibrated on the training text);
 * {@link org.lowrank4j.adapt.finetune.SqueezeDistillation} tunes a squeezed adapter towards the next-byte distributions of
 * the adapter it was squeezed from.
 */
package org.lowrank4j.adapt.finetune;
