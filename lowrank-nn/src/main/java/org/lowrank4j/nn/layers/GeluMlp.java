package org.lowrank4j.nn.layers;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.nn.Layer;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.MlpActivation;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.Tensor;

/** The BERT / GPT-2 feed-forward: {@code down(gelu(up(x)))}, (B,T,C) -> (B,T,H) -> (B,T,C). */
public final class GeluMlp implements Layer {
    private final Linear up;   // C -> H
    private final Linear down; // H -> C
    private final MlpActivation variant;
    // the latest forward's activations, kept for the backward; they and the backward's buffers are reused by the next
    // step when the shapes match (each is written in full before it is read)
    private Tensor hidden;     // up(x) (B,T,H), the GELU input
    private Tensor activated;  // gelu(hidden) (B,T,H), the input of down
    private Tensor dactivated, dhidden;

    public GeluMlp(Linear up, Linear down, MlpActivation variant) {
        if (up.outFeatures() != down.inFeatures() || up.inFeatures() != down.outFeatures()) {
            throw new IllegalArgumentException("MLP " + up.name() + " (" + up.inFeatures() + " -> " + up.outFeatures() + ") and "
                    + down.name() + " (" + down.inFeatures() + " -> " + down.outFeatures() + ") do not compose to C -> C");
        }
        this.up = up;
        this.down = down;
        this.variant = variant;
    }

    public Linear up() {
        return up;
    }

    public Linear down() {
        return down;
    }

    public MlpActivation variant() {
        return variant;
    }

    @Override
    public Tensor forward(Tensor x) {
        int[] shape = x.shape();
        shape[shape.length - 1] = up.outFeatures();
        hidden = Tensor.reuse(hidden, x.precision(), shape);
        activated = Tensor.reuse(activated, x.precision(), shape);
        up.forwardInto(hidden, x);
        Kernels.of(hidden).activationForward(activated, hidden, variant);
        return down.forward(activated);
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (hidden == null) {
            throw new IllegalStateException("MLP " + up.name() + ": backward needs a preceding forward");
        }
        dactivated = Tensor.reuse(dactivated, dy.precision(), hidden.shape());
        dhidden = Tensor.reuse(dhidden, dy.precision(), hidden.shape());
        down.backwardInto(dactivated, dy, false);
        Kernels.of(dy).activationBackward(dhidden, dactivated, hidden, variant);
        return up.backward(dhidden);
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>(up.parameters());
        out.addAll(down.parameters());
        return out;
    }
}
