package org.lowrank4j.nn.tensor;

/**
 * The element-wise functions of the two-layer and gated MLPs: the two GELU definitions in use and ReLU.
 * {@link #GELU_ERF} is the exact {@code x·Φ(x)} (BERT, Hugging Face "gelu"), {@link #GELU_TANH} the tanh approximation
 * (GPT-2, Hugging Face "gelu_new" / "gelu_pytorch_tanh"), {@link #RELU} OPT's "relu".
 */
public enum MlpActivation {
    /** {@code 0.5·x·(1 + erf(x/√2))}. */
    GELU_ERF,
    /** {@code 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))}. */
    GELU_TANH,
    /** {@code max(0, x)}; its derivative is taken as 0 at x = 0, as PyTorch does. */
    RELU
}
