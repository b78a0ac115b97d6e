/**
 * Decoder folders written for standard runtimes: {@link org.lowrank4j.export.DecoderExport} writes a LLaMA-family folder
 * (dense, low-rank, quantized) or a GPT-2 one as an ONNX graph with a key/value cache ({@code DecoderGraph}, built by
 * {@code LlamaGraph} and {@code Gpt2Graph}) and checks it in ONNX Runtime
 * against the JVM runtime; {@link org.lowrank4j.export.OnnxDecoder} runs such a file, and
 * {@link org.lowrank4j.export.OnnxLanguageModel} runs an exported folder as a decoder for generate, perplexity and serve. Depends on nn (the models),
 * adapt (LoRA layers written unmerged) and formats (the ONNX writer and the quantized operators).
 */
package org.lowrank4j.export;
