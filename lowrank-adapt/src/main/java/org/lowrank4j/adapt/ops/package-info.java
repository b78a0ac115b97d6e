/**
 * Operations on trained adapters: {@link org.lowrank4j.adapt.ops.Squeeze} (LoRA-Squeeze, spec 02; activation-aware with
 * the input Gram matrices of {@link org.lowrank4j.adapt.ops.SqueezeCalibration}, Fisher-weighted with its output-gradient
 * ones too; module after module with {@link org.lowrank4j.adapt.ops.CompensatedSqueeze}, each one fitted to the original
 * adapter's outputs from the inputs the squeezed ones before it give; {@link org.lowrank4j.adapt.ops.SqueezeForm} names
 * which of them to run), {@link org.lowrank4j.adapt.ops.Combine},
 * {@link org.lowrank4j.adapt.ops.AdapterMerge} (into a decoder folder),
 * {@link org.lowrank4j.adapt.ops.OnnxEncoderMerge} (into an ONNX encoder's initializers) and {@link org.lowrank4j.adapt.ops.AdapterSummary}.
 */
package org.lowrank4j.adapt.ops;
