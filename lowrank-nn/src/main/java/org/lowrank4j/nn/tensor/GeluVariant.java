package org.lowrank4j.nn.tensor;

/**
 * The two GELU definitions in use: {@link #ERF} is the exact {@code x·Φ(x)} (BERT, Hugging Face "gelu"),
 * {@link #TANH} the tanh approximation (GPT-2, Hugging Face "gelu_new" / "gelu_pytorch_tanh").
 */
public enum GeluVariant {
    /** {@code 0.5·x·(1 + erf(x/√2))}. */
    ERF,
    /** {@code 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))}. */
    TANH
}
