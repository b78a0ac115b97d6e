/**
 * Tensors in float32 or float64 and the kernels layers are written against: {@link org.lowrank4j.nn.tensor.Kernels}
 * (one implementation per precision, whole-tensor calls) and {@link org.lowrank4j.nn.tensor.MatMul} (all matrix
 * products, through OpenBLAS). A layer written once runs fast in float32 and is gradient-checked in float64.
 */
package org.lowrank4j.nn.tensor;
