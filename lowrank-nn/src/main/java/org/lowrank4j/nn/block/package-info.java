/**
 * Transformer blocks composed from the layers: pre-norm (GPT-2, LLaMA) and post-norm (BERT), the building blocks
 * the architectures reuse.
 */
package org.lowrank4j.nn.block;
