/**
 * BERT-family encoders (BERT, MiniLM, BGE): {@link org.lowrank4j.nn.arch.bert.BertConfig},
 * {@link org.lowrank4j.nn.arch.bert.BertModel} (forward and backward, float32 or float64; {@code infer}, the float32
 * inference forward with fused kernels, in {@code BertInference}), and the two loaders:
 * {@link org.lowrank4j.nn.arch.bert.BertSafetensors} for Hugging Face checkpoints and
 * {@link org.lowrank4j.nn.arch.bert.BertOnnx} for ONNX encoders, whose initializers it maps by walking the graph.
 */
package org.lowrank4j.nn.arch.bert;
