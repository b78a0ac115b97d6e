/**
 * The LLaMA family decoder (LLaMA, Qwen2, Mistral, SmolLM) with Hugging Face checkpoint names: {@link org.lowrank4j.nn.arch.llama.LlamaModel}.
 */
package org.lowrank4j.nn.arch.llama;
