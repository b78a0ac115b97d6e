package org.lowrank4j.nn.tensor;

/**
 * The element-wise and row-wise kernels the layers are written against, once per precision: {@link #of(Precision)}
 * gives the float32 implementation (the runtime) or the float64 one (the finite-difference oracle). Each call works
 * on whole tensors, so the precision is dispatched once per call and never per element. Matrix products are not
 * here: they go to BLAS through {@link MatMul}.
 *
 * <p>Conventions: every tensor argument has the kernel's precision; dimensions are read from the shapes named in
 * each method ({@code N} rows of width {@code C} means a tensor whose last axis is {@code C}); "into" means the
 * output is overwritten, "adds" means it is accumulated (parameter gradients always accumulate). Kernels check
 * shapes only with {@code assert}: the layers validate their public inputs.
 */
public interface Kernels {

    /** The kernels for a precision. */
    static Kernels of(Precision precision) {
        return precision == Precision.FLOAT32 ? FloatKernels.INSTANCE : DoubleKernels.INSTANCE;
    }

    /** The kernels for a tensor's precision. */
    static Kernels of(Tensor tensor) {
        return of(tensor.precision());
    }

    /** Which form the float32 kernels take in this JVM (Vector API or plain Java), and how to change it: one line. */
    static String floatForm() {
        return Simd.describe();
    }

    Precision precision();

    // ---- element-wise -------------------------------------------------------------------------------------

    /** {@code out = a + b} (same size; out may alias either). */
    void add(Tensor out, Tensor a, Tensor b);

    /** {@code accumulator += x} (same size). */
    void addInPlace(Tensor accumulator, Tensor x);

    /** {@code x *= factor}, element-wise, in place (nothing to do for a factor of 1). */
    void scale(Tensor x, double factor);

    /** {@code out(N,C) += bias(C)} on every row. */
    void addBias(Tensor out, Tensor bias);

    /** {@code dbias(C) += Σ_n dout(N,C)[n]}: the bias gradient. */
    void addColumnSums(Tensor dbias, Tensor dout);

    // ---- embedding ----------------------------------------------------------------------------------------

    /** {@code out(N,C)[n] (=|+=) table(V,C)[ids[n]]}; adds when {@code accumulate}. */
    void gatherRows(Tensor out, Tensor table, int[] ids, boolean accumulate);

    /** {@code dtable(V,C)[ids[n]] += dout(N,C)[n]}: the embedding gradient. */
    void scatterAddRows(Tensor dtable, Tensor dout, int[] ids);

    // ---- normalisation ------------------------------------------------------------------------------------

    /**
     * LayerNorm of each row of {@code x(N,C)} into {@code out(N,C)}, saving {@code mean(N)} and {@code rstd(N)}
     * (1/√(var+eps)); {@code bias} may be null.
     */
    void layerNormForward(Tensor out, Tensor mean, Tensor rstd, Tensor x, Tensor weight, Tensor bias, double eps);

    /** Into {@code dx(N,C)}; adds into {@code dweight(C)} and {@code dbias(C)} (either null when it has no gradient: no bias, or frozen). */
    void layerNormBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor dout, Tensor x, Tensor mean, Tensor rstd, Tensor weight);

    /** RMSNorm {@code out = x / √(mean(x²)+eps) · weight} per row of {@code x(N,C)}, saving {@code rstd(N)}. */
    void rmsNormForward(Tensor out, Tensor rstd, Tensor x, Tensor weight, double eps);

    /** Into {@code dx(N,C)}; adds into {@code dweight(C)} (null when the weight is frozen). */
    void rmsNormBackward(Tensor dx, Tensor dweight, Tensor dout, Tensor x, Tensor rstd, Tensor weight);

    // ---- activations --------------------------------------------------------------------------------------

    /** {@code out = act(x)} element-wise, {@code act} the MLP activation {@code variant} names. */
    void activationForward(Tensor out, Tensor x, MlpActivation variant);

    /** {@code dx = dout · act'(x)} (into). */
    void activationBackward(Tensor dx, Tensor dout, Tensor x, MlpActivation variant);

    /** SwiGLU gate: {@code out = silu(gate) · up} element-wise, silu(g) = g·σ(g). */
    void swigluForward(Tensor out, Tensor gate, Tensor up);

    /** Into {@code dgate} and {@code dup}. */
    void swigluBackward(Tensor dgate, Tensor dup, Tensor dout, Tensor gate, Tensor up);

    /** GeGLU gate (Gemma): {@code out = act(gate) · up} element-wise, the activation (a GELU for GeGLU) as {@code variant} says. */
    void gegluForward(Tensor out, Tensor gate, Tensor up, MlpActivation variant);

    /** Into {@code dgate} and {@code dup}. */
    void gegluBackward(Tensor dgate, Tensor dup, Tensor dout, Tensor gate, Tensor up, MlpActivation variant);

    // ---- attention ----------------------------------------------------------------------------------------

    /**
     * In-place softmax over the last axis of the attention scores {@code att(B,H,T,S)}, where query t sits at
     * absolute position {@code past + t} and key s at position s. A key is excluded when {@code keyMask(B·S)} is
     * 0 there (null: none excluded) and, if {@code causal}, when s > past + t. Excluded entries become exactly 0;
     * a row with no admissible key becomes all zeros.
     */
    default void attentionSoftmax(Tensor att, int[] keyMask, boolean causal, int past) {
        attentionSoftmax(att, keyMask, causal, past, 0);
    }

    /**
     * {@link #attentionSoftmax(Tensor, int[], boolean, int)} over a sliding window as well: with {@code window > 0}, key s
     * is also excluded when {@code past + t − s >= window} (each query sees itself and the {@code window − 1} keys before
     * it, as Hugging Face's sliding-window layers do).
     */
    void attentionSoftmax(Tensor att, int[] keyMask, boolean causal, int past, int window);

    /**
     * Soft-capping in place: {@code x = cap·tanh(x / cap)} element-wise (Gemma 2's attention scores and output logits),
     * which keeps every value inside (−cap, cap) and leaves small ones nearly unchanged.
     */
    void softcap(Tensor x, double cap);

    /** Back through {@link #softcap}: {@code dx = dy·(1 − (y / cap)²)} with y the capped values (into; dx may alias dy). */
    void softcapBackward(Tensor dx, Tensor dy, Tensor capped, double cap);

    /** Softmax backward per row of the last axis: {@code dscores = p ⊙ (dprobs − Σ p·dprobs)}; dscores may alias dprobs. */
    void softmaxBackward(Tensor dscores, Tensor probs, Tensor dprobs);

    /**
     * {@link #softmaxBackward} of causal attention probabilities (B,NH,T,keys) from {@link #attentionSoftmax} with
     * {@code causal}: row t is zero past key {@code past + t}, so only keys [0, past + t] are read, and dscores is set to
     * 0 beyond them (what the full formula gives there). dscores may alias dprobs.
     */
    void causalSoftmaxBackward(Tensor dscores, Tensor probs, Tensor dprobs, int past);

    /**
     * Rotary position embedding in place on token-major {@code x(B,T,H,D)} with the rotate-half pairing
     * (i, i + D/2) of LLaMA / Hugging Face: angle = positions[t]·invFreq[i], read from {@code cos(P, D/2)} and
     * {@code sin(P, D/2)} tables (row = position). {@code inverse} rotates by −angle (the backward pass).
     */
    void rotate(Tensor x, int[] positions, double[] cos, double[] sin, boolean inverse);

    /** {@code (B,T,H·D)} to head-major {@code (B,H,T',D)}, writing time steps [t0, t0+T) of the T' slots. */
    void splitHeads(Tensor headMajor, Tensor tokenMajor, int t0);

    /** Head-major {@code (B,H,T',D)} time steps [t0, t0+T) to token-major {@code (B,T,H·D)} (into). */
    void mergeHeads(Tensor tokenMajor, Tensor headMajor, int t0);

    // ---- loss ---------------------------------------------------------------------------------------------

    /**
     * Softmax of {@code logits(N,V)} into {@code probs(N,V)} and the summed negative log-likelihood of
     * {@code targets(N)}, skipping rows whose target is {@code ignoreIndex}. Accumulated in float64.
     */
    double crossEntropyForward(Tensor probs, Tensor logits, int[] targets, int ignoreIndex);

    /** {@code dlogits(N,V) = scale·(probs − onehot(target))} (into); ignored rows get 0. */
    void crossEntropyBackward(Tensor dlogits, Tensor probs, int[] targets, int ignoreIndex, double scale);
}
