package org.lowrank4j.nn.layers;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.nn.Layer;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.MlpActivation;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.StepBuffers;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * The gated feed-forward: {@code down(act(gate(x)) ⊙ up(x))}, (B,T,C) -> (B,T,H) -> (B,T,C), with act = silu (LLaMA's
 * SwiGLU) or a GELU (Gemma's GeGLU).
 */
public final class SwiGluMlp implements Layer {
    /** The activation on the gate. */
    public enum Activation {
        /** silu(g) = g·σ(g): LLaMA, Qwen, Mistral (Hugging Face {@code silu}). */
        SILU,
        /** 0.5·g·(1 + tanh(√(2/π)·(g + 0.044715·g³))): Gemma (Hugging Face {@code gelu_pytorch_tanh}, {@code gelu_new}). */
        GELU_TANH,
        /** 0.5·g·(1 + erf(g/√2)): what Hugging Face runs for a Gemma config that says {@code hidden_act: gelu}. */
        GELU_ERF;

        /** {@code out = act(gate) ⊙ up}. */
        public void forward(Kernels kernels, Tensor out, Tensor gate, Tensor up) {
            if (this == SILU) {
                kernels.swigluForward(out, gate, up);
            } else {
                kernels.gegluForward(out, gate, up, gelu());
            }
        }

        void backward(Kernels kernels, Tensor dgate, Tensor dup, Tensor dout, Tensor gate, Tensor up) {
            if (this == SILU) {
                kernels.swigluBackward(dgate, dup, dout, gate, up);
            } else {
                kernels.gegluBackward(dgate, dup, dout, gate, up, gelu());
            }
        }

        /** The GELU variant of a GeGLU activation. */
        public MlpActivation gelu() {
            if (this == SILU) {
                throw new IllegalStateException("silu is not a GELU");
            }
            return this == GELU_ERF ? MlpActivation.GELU_ERF : MlpActivation.GELU_TANH;
        }
    }

    private final Linear gate; // C -> H
    private final Linear up;   // C -> H
    private final Linear down; // H -> C
    private final Activation activation;
    // the latest forward's activations, kept for the backward; they and the backward's buffers are reused by the next
    // step when the shapes match (each is written in full before it is read)
    private Tensor gated;      // gate(x) (B,T,H)
    private Tensor lifted;     // up(x) (B,T,H)
    private Tensor product;    // act(gated) ⊙ lifted (B,T,H), the input of down
    private Tensor dproduct, dgated, dlifted;
    private final StepBuffers.Slot inputGradient = new StepBuffers.Slot(); // dx in a training step

    public SwiGluMlp(Linear gate, Linear up, Linear down) {
        this(gate, up, down, Activation.SILU);
    }

    public SwiGluMlp(Linear gate, Linear up, Linear down, Activation activation) {
        if (gate.inFeatures() != up.inFeatures() || gate.outFeatures() != up.outFeatures()
                || up.outFeatures() != down.inFeatures() || down.outFeatures() != up.inFeatures()) {
            throw new IllegalArgumentException("SwiGLU projections do not compose: gate " + gate.inFeatures() + "->" + gate.outFeatures()
                    + ", up " + up.inFeatures() + "->" + up.outFeatures() + ", down " + down.inFeatures() + "->" + down.outFeatures());
        }
        this.gate = gate;
        this.up = up;
        this.down = down;
        this.activation = java.util.Objects.requireNonNull(activation, "activation");
    }

    public Activation activation() {
        return activation;
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
        activation.forward(Kernels.of(x), product, gated, lifted);
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
        activation.backward(Kernels.of(dy), dgated, dlifted, dproduct, gated, lifted);
        Tensor dx = inputGradient.take(dy.precision(), gate.lastInput().shape()); // written in full below
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
