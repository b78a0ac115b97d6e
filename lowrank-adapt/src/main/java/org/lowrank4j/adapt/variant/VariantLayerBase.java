package org.lowrank4j.adapt.variant;

import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.WeightFactorization;

/**
 * What every {@link VariantLayer} holds alike: its module path, the frozen weight W0 it adds to, and whether its update
 * is on, and the dense weight that follows from them. A variant's layer adds its own parameters, forward, backward
 * and ΔW.
 */
public abstract class VariantLayerBase implements VariantLayer {
    protected final String module;
    protected final WeightFactorization base;
    protected boolean enabled = true;

    protected VariantLayerBase(String module, WeightFactorization base) {
        if (base == null) {
            throw new IllegalArgumentException(module + ": an adapter layer needs the weight it adapts");
        }
        this.module = module;
        this.base = base;
    }

    @Override
    public String module() {
        return module;
    }

    @Override
    public WeightFactorization base() {
        return base;
    }

    @Override
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** W0 + ΔW while the update is on, W0 alone while it is off. */
    @Override
    public Tensor toDense() {
        Tensor w = base.toDense();
        if (enabled) {
            Kernels.of(w).addInPlace(w, delta());
        }
        return w;
    }

    @Override
    public int inFeatures() {
        return base.inFeatures();
    }

    @Override
    public int outFeatures() {
        return base.outFeatures();
    }

    @Override
    public Precision precision() {
        return base.precision();
    }
}
