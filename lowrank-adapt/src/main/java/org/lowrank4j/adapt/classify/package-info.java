/**
 * Sequence classification on BERT-family encoders (ONNX or safetensors) with LoRA adapters and a trained head on the
 * pooled output: the classifier, its fine-tuning on labelled text, its metrics and its folder (PEFT with the head as a
 * module_to_save).
 */
package org.lowrank4j.adapt.classify;
