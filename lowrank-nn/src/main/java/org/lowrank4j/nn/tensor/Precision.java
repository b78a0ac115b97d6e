package org.lowrank4j.nn.tensor;

/**
 * The element type a tensor stores and its kernels compute in: float32 for running models, float64 for checking
 * gradients against finite differences.
 */
public enum Precision {
    FLOAT32, FLOAT64
}
