package org.lowrank4j.nn.layers;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.nn.Layer;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.GeluVariant;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.Tensor;

/** The BERT / GPT-2 feed-forward: {@code down(gelu(up(x)))}, (B,T,C) -> (B,T,H) -> (B,T,C). */
public final class GeluMlp implements Layer {
    private final Linear up;   // C -> H
    private final Linear down; // H -> C
    private final GeluVariant variant;
    private Tensor hidden;     // up(x) (B,T,H), the GELU input

    public GeluMlp(Linear up, Linear down, GeluVariant variant) {
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

    public GeluVariant variant() {
        return variant;
    }

    @Override
    public Tensor forward(Tensor x) {
        hidden = up.forward(x);
        Tensor activated = hidden.zerosLike();
        Kernels.of(hidden).geluForward(activated, hidden, variant);
        return down.forward(activated);
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dactivated = down.backward(dy);
        Tensor dhidden = dactivated.zerosLike();
        Kernels.of(dy).geluBackward(dhidden, dactivated, hidden, variant);
        return up.backward(dhidden);
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>(up.parameters());
        out.addAll(down.parameters());
        return out;
    }
}
