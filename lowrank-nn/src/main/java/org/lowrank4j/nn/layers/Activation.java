package org.lowrank4j.nn.layers;

import java.util.List;
import org.lowrank4j.nn.Layer;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.FloatTensor;
import org.lowrank4j.nn.tensor.Tensor;

/** An element-wise activation without parameters, any shape: ReLU or the logistic sigmoid. */
public final class Activation implements Layer {
    /** Which function. */
    public enum Kind {
        /** max(0, x); derivative 1 where x &gt; 0, else 0. */
        RELU,
        /** σ(x) = 1 / (1 + e^−x); derivative σ(1 − σ). */
        SIGMOID
    }

    private final Kind kind;
    private Tensor output; // y of the latest forward (both derivatives are functions of y)

    public Activation(Kind kind) {
        this.kind = kind;
    }

    public static Activation relu() {
        return new Activation(Kind.RELU);
    }

    public static Activation sigmoid() {
        return new Activation(Kind.SIGMOID);
    }

    public Kind kind() {
        return kind;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = x.zerosLike();
        if (x instanceof FloatTensor fx) {
            float[] in = fx.data(), out = ((FloatTensor) y).data();
            for (int i = 0; i < in.length; i++) {
                out[i] = kind == Kind.RELU ? Math.max(0f, in[i]) : (float) (1 / (1 + Math.exp(-in[i])));
            }
            output = y;
            return y;
        }
        for (int i = 0; i < x.size(); i++) {
            double v = x.get(i);
            y.set(i, kind == Kind.RELU ? Math.max(0, v) : 1 / (1 + Math.exp(-v)));
        }
        output = y;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (output == null || dy.size() != output.size()) {
            throw new IllegalStateException(kind + ": backward needs a forward of the same size first");
        }
        Tensor dx = dy.zerosLike();
        if (dy instanceof FloatTensor fd && output instanceof FloatTensor fo) {
            float[] g = fd.data(), y = fo.data(), out = ((FloatTensor) dx).data();
            for (int i = 0; i < g.length; i++) {
                out[i] = kind == Kind.RELU ? (y[i] > 0 ? g[i] : 0f) : g[i] * y[i] * (1 - y[i]);
            }
            return dx;
        }
        for (int i = 0; i < dy.size(); i++) {
            double y = output.get(i);
            dx.set(i, kind == Kind.RELU ? (y > 0 ? dy.get(i) : 0) : dy.get(i) * y * (1 - y));
        }
        return dx;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of();
    }
}
