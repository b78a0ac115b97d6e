package org.lowrank4j.adapt.fastgrad;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.WeightFactorization;

/**
 * Spec 19's setting: one attention head over tokens X (L × n), with LoRA on its projections (over every token or
 * causal, as the core is),
 * <pre>
 *   Q = X W_Qᵀ,  K = X W_Kᵀ,  V = X W_Vᵀ   (each W (d × n), e.g. a {@link org.lowrank4j.adapt.lora.LoraWeight})
 *   O = softmax(QKᵀ/√d) V
 * </pre>
 * The attention part runs on a chosen {@link AttentionCore}: {@link ExactAttention} or the polynomial
 * {@link TaylorAttention}. Given dL/dO, the core gives dQ, dK, dV and each projection's own backward turns them into its
 * parameters' gradients (a LoRA weight: its A and B only, file 01's formulas) and dL/dX. In float64 throughout.
 */
public final class LoraAttentionHead {
    private final WeightFactorization query, key, value;
    private Tensor lastInput;
    private DoubleMatrix lastQ, lastK, lastV;

    public LoraAttentionHead(WeightFactorization query, WeightFactorization key, WeightFactorization value) {
        for (WeightFactorization w : List.of(query, key, value)) {
            if (w.precision() != Precision.FLOAT64) {
                throw new IllegalArgumentException("the LoRA attention head runs in float64; its projections are " + w.precision());
            }
        }
        if (key.inFeatures() != query.inFeatures() || value.inFeatures() != query.inFeatures()
                || key.outFeatures() != query.outFeatures() || value.outFeatures() != query.outFeatures()) {
            throw new IllegalArgumentException("W_Q, W_K and W_V must all be d x n: they are " + shape(query) + ", " + shape(key) + " and " + shape(value));
        }
        this.query = query;
        this.key = key;
        this.value = value;
    }

    /** The head dimension d. */
    public int headDim() {
        return query.outFeatures();
    }

    /** What the projections train (for a LoRA weight, its adapters' A and B). */
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>(query.parameters());
        out.addAll(key.parameters());
        out.addAll(value.parameters());
        return out;
    }

    /** O (L × d) for X (L × n); keeps X, Q, K, V for {@link #backward}. */
    public Tensor forward(Tensor x, AttentionCore core) {
        if (x.rank() != 2 || x.dim(1) != query.inFeatures() || x.precision() != Precision.FLOAT64) {
            throw new IllegalArgumentException("the attention head takes float64 tokens (L, " + query.inFeatures() + "), not " + x.precision() + " "
                    + x.shapeString());
        }
        lastInput = x;
        lastQ = (DoubleMatrix) query.forward(x).matrix();
        lastK = (DoubleMatrix) key.forward(x).matrix();
        lastV = (DoubleMatrix) value.forward(x).matrix();
        return tensor(core.output(lastQ, lastK, lastV));
    }

    /**
     * max‖q‖·max‖k‖/√d over the latest forward's tokens, which bounds every score; {@link TaylorFeatures#degreeFor} turns
     * it into the Taylor degree for a tolerance.
     */
    public double scoreBound() {
        if (lastInput == null) {
            throw new IllegalStateException("scoreBound before forward on this attention head");
        }
        return TaylorFeatures.scoreBound(lastQ, lastK);
    }

    /**
     * Adds each projection's parameter gradients for dL/dO = {@code dOut} (L × d) after {@link #forward} on the same core,
     * and returns dL/dX (L × n).
     */
    public Tensor backward(Tensor dOut, AttentionCore core) {
        if (lastInput == null) {
            throw new IllegalStateException("backward before forward on this attention head");
        }
        if (!dOut.hasShape(lastQ.rows(), lastQ.cols()) || dOut.precision() != Precision.FLOAT64) {
            throw new IllegalArgumentException("dL/dO must be float64 (" + lastQ.rows() + ", " + lastQ.cols() + "), not " + dOut.precision() + " "
                    + dOut.shapeString());
        }
        AttentionCore.Gradients g = core.gradients(lastQ, lastK, lastV, (DoubleMatrix) dOut.matrix());
        Tensor dx = lastInput.zerosLike();
        query.backwardInto(dx, tensor(g.dq()), lastInput, true);
        key.backwardInto(dx, tensor(g.dk()), lastInput, true);
        value.backwardInto(dx, tensor(g.dv()), lastInput, true);
        return dx;
    }

    private static Tensor tensor(DoubleMatrix m) {
        Tensor t = Tensor.zeros(Precision.FLOAT64, m.rows(), m.cols());
        t.matrix().assign(m);
        return t;
    }

    private static String shape(WeightFactorization w) {
        return w.outFeatures() + "x" + w.inFeatures();
    }
}
