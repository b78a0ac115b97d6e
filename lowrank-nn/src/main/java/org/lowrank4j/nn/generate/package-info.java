/**
 * Working with decoders at the token-id level: the {@link org.lowrank4j.nn.generate.CausalLanguageModel} contract,
 * KV-cached generation (greedy, temperature, top-p), perplexity and bits per byte over fixed windows, the
 * {@link org.lowrank4j.nn.generate.Tokenizer} interface with {@link org.lowrank4j.nn.generate.ByteTokenizer}, and
 * {@link org.lowrank4j.nn.generate.HfCheckpoint} for reading and writing Hugging Face model folders.
 */
package org.lowrank4j.nn.generate;
