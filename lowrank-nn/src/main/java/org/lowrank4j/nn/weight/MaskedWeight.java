package org.lowrank4j.nn.weight;

import java.util.List;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * A dense weight with a fixed pruning mask: the pruned entries are zero and stay zero under training (their gradient
 * is cleared after every backward, so an optimizer never moves them). What a pruned model is fine-tuned with.
 */
public final class MaskedWeight implements WeightFactorization {
    private final DenseWeight dense;
    private final boolean[] kept; // (out·in), row-major

    /**
     * @param weight the dense weight (out, in); its pruned entries are set to zero here
     * @param kept   true for the entries that stay, row-major (out·in)
     */
    public MaskedWeight(Parameter weight, boolean[] kept) {
        this.dense = new DenseWeight(weight);
        if (kept.length != weight.value().size()) {
            throw new IllegalArgumentException(weight.name() + ": mask of " + kept.length + " entries for a weight of "
                    + weight.value().shapeString());
        }
        this.kept = kept.clone();
        Tensor w = weight.value();
        for (int i = 0; i < kept.length; i++) {
            if (!kept[i]) {
                w.set(i, 0);
            }
        }
    }

    /** Whether entry i (row-major) is kept; do not modify. */
    public boolean[] kept() {
        return kept;
    }

    @Override
    public int inFeatures() {
        return dense.inFeatures();
    }

    @Override
    public int outFeatures() {
        return dense.outFeatures();
    }

    @Override
    public Tensor forward(Tensor x) {
        return dense.forward(x);
    }

    @Override
    public Tensor backward(Tensor dy, Tensor x) {
        Tensor dx = dense.backward(dy, x);
        Tensor g = dense.weight().gradient();
        for (int i = 0; i < kept.length; i++) {
            if (!kept[i]) {
                g.set(i, 0);
            }
        }
        return dx;
    }

    @Override
    public org.lowrank4j.nn.tensor.Precision precision() {
        return dense.precision();
    }

    @Override
    public Tensor toDense() {
        return dense.toDense();
    }

    @Override
    public List<Parameter> parameters() {
        return dense.parameters();
    }
}
