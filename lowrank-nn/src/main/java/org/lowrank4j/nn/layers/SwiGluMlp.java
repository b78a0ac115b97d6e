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
    // the latest forward's activations, kept for the backward; they and the backward's buffers are reused by the next
    // step when the shapes match (each is written in full before it is read)
    private Tensor gated;      // gate(x) (B,T,H)
    private Tensor lifted;     // up(x) (B,T,H)
    private Tensor product;    // silu(gated) ⊙ lifted (B,T,H), the input of down
    private Tensor dproduct, dgated, dlifted;

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
        int[] hidden = x.shape();
        hidden[hidden.length - 1] = up.outFeatures();
        gated = Tensor.reuse(gated, x.precision(), hidden);
        lifted = Tensor.reuse(lifted, x.precision(), hidden);
        product = Tensor.reuse(product, x.precision(), hidden);
        gate.forwardInto(gated, x);
        up.forwardInto(lifted, x);
        Kernels.of(x).swigluForward(product, gated, lifted);
        return down.forward(product);
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (product == null) {
            throw new IllegalStateException("SwiGLU backward needs a preceding forward");
        }
        int[] hidden = product.shape();
        dproduct = Tensor.reuse(dproduct, dy.precision(), hidden);
        dgated = Tensor.reuse(dgated, dy.precision(), hidden);
        dlifted = Tensor.reuse(dlifted, dy.precision(), hidden);
        down.backwardInto(dproduct, dy, false);
        Kernels.of(dy).swigluBackward(dgated, dlifted, dproduct, gated, lifted);
        Tensor dx = Tensor.zeros(dy.precision(), gate.lastInput().shape());
        gate.backwardInto(dx, dgated, false);
        up.backwardInto(dx, dlifted, true);
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
