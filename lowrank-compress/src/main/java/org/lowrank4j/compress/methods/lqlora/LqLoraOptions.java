package org.lowrank4j.compress.methods.lqlora;

import org.lowrank4j.compress.methods.MethodSpec;
import org.lowrank4j.compress.methods.QuantizedBase;

/**
 * Options of LQ-LoRA's decomposition (Guo et al., arXiv:2311.12023; spec ../shared/methods/c12-lq-lora.md, Algorithm
 * 1): {@code lq-lora[:rank=R][:iterations=20][:bits=4][:group=64][:scheme=nf|asymmetric|symmetric][:embeddings=…][:egroup=N]}.
 * Not implemented here: double quantization of the scales (scales stay float32), the ILP bit allocation, and Fisher
 * weighting (the ONNX path has no gradients).
 *
 * @param storage    the base's and embeddings' storage (NF4 in groups of 64 by default, the paper's B0)
 * @param rank       every site's branch rank; -1 lets {@code --target-size} set per-site ranks (else {@link #DEFAULT_RANK})
 * @param iterations the most alternations of SVD and quantization (the paper's T; it stops at the first that does not
 *                   lower the error and keeps the best iterate)
 */
public record LqLoraOptions(QuantizedBase storage, int rank, int iterations) {

    /** The rank when neither the options nor a byte budget set one. */
    public static final int DEFAULT_RANK = 16;

    public LqLoraOptions {
        if (storage == null) {
            throw new IllegalArgumentException("lq-lora: the storage (bits, group) must be given");
        }
        if (rank < -1) {
            throw new IllegalArgumentException("lq-lora: rank must be 0 or more (or left out for the budget to decide), got " + rank);
        }
        if (iterations < 1 || iterations > 1000) {
            throw new IllegalArgumentException("lq-lora: iterations must be in [1, 1000], got " + iterations);
        }
    }

    public static LqLoraOptions defaults() {
        return new LqLoraOptions(new QuantizedBase(4, 64, QuantizedBase.Scheme.NF, QuantizedBase.Embeddings.FP32, 0, 0), -1, 20);
    }

    public static LqLoraOptions from(MethodSpec spec) {
        LqLoraOptions d = defaults();
        LqLoraOptions o = new LqLoraOptions(QuantizedBase.from(spec, d.storage()), spec.integer("rank", d.rank()), spec.integer("iterations", d.iterations()));
        spec.requireAllRead();
        return o;
    }
}
