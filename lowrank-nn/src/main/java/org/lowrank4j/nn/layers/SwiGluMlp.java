package org.lowrank4j.nn.layers;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.nn.Layer;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.Tensor;

/** The LLaMA feed-forward: {@code down(silu(gate(x)) ⊙ up(x))}, (B,T,C) -> (B,T,H) -> (B,T,C). */
public final class SwiGluMlp implements Layer {
    private final Linear gate; // C -> H
    private final Linear up;   // C -> H
    private final Linear down; // H -> C
    private Tensor gated;      // gate(x) (B,T,H)
    private Tensor lifted;     // up(x) (B,T,H)

    public SwiGluMlp(Linear gate, Linear up, Linear down) {
        if (gate.inFeatures() != up.inFeatures() || gate.outFeatures() != up.outFeatures()
                || up.outFeatures() != down.inFeatures() || down.outFeatures() != up.inFeatures()) {
            throw new IllegalArgumentException("SwiGLU projections do not compose: gate " + gate.inFeatures() + "->" + gate.outFeatures()
                    + ", up " + up.inFeatures() + "->" + up.outFeatures() + ", down " + down.inFeatures() + "->" + down.outFeatures());
        }
        this.gate = gate;
        this.up = up;
        this.down = down;
    }

    public Linear gate() {
        return gate;
    }

    public Linear up() {
        return up;
    }

    public Linear down() {
        return down;
    }

    @Override
    public Tensor forward(Tensor x) {
        gated = gate.forward(x);
        lifted = up.forward(x);
        Tensor product = gated.zerosLike();
        Kernels.of(x).swigluForward(product, gated, lifted);
        return down.forward(product);
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dproduct = down.backward(dy);
        Tensor dgated = dproduct.zerosLike(), dlifted = dproduct.zerosLike();
        Kernels.of(dy).swigluBackward(dgated, dlifted, dproduct, gated, lifted);
        Tensor dx = gate.backward(dgated);
        Kernels.of(dx).addInPlace(dx, up.backward(dlifted));
        return dx;
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>(gate.parameters());
        out.addAll(up.parameters());
        out.addAll(down.parameters());
        return out;
    }
}
