/**
 * The GPT-2 decoder with Hugging Face checkpoint names and the Conv1D / fused-qkv layout: {@link org.lowrank4j.nn.arch.gpt2.Gpt2Model}.
 */
package org.lowrank4j.nn.arch.gpt2;
