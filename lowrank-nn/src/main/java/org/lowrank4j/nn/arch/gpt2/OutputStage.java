package org.lowrank4j.nn.arch.gpt2;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.nn.Layer;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.LayerNorm;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * What runs between the last block and the output projection: the final LayerNorm, then OPT-350M's {@code project_out}
 * to the narrower width of its token table; either may be absent (OPT-350M has no final norm, GPT-2 no projection).
 */
final class OutputStage implements Layer {
    private final LayerNorm norm;      // or null
    private final Linear projection;   // or null

    OutputStage(LayerNorm norm, Linear projection) {
        this.norm = norm;
        this.projection = projection;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = norm == null ? x : norm.forward(x);
        return projection == null ? (y == x ? x.copy() : y) : projection.forward(y);
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor d = projection == null ? dy : projection.backward(dy);
        return norm == null ? (d == dy ? dy.copy() : d) : norm.backward(d);
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>(norm == null ? List.of() : norm.parameters());
        if (projection != null) {
            out.addAll(projection.parameters());
        }
        return out;
    }
}
