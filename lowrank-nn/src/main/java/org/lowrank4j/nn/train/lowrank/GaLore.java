package org.lowrank4j.nn.train.lowrank;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.decomposition.ExactSvd;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.AdamW;

/**
 * GaLore (Zhao et al., "GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection", ICML 2024): the basis is
 * taken from the SVD of the gradient every {@code gap} steps — the top r right singular vectors (r×n, Vᵀ[:r]) when
 * m ≥ n, the top r left ones (m×r, U[:, :r]) otherwise — computed in the parameter's precision (float32 for a float32
 * model, as the reference requires). The basis is part of the state ({@code lowrank.basis.<name>}).
 */
public class GaLore extends ProjectedAdam {
    public static final String METHOD = "galore";

    private final Map<Slot, Tensor> bases = new HashMap<>();

    public GaLore(List<Parameter> parameters, AdamW.Settings settings, ProjectionSettings projection, Predicate<Parameter> projected) {
        this(METHOD, parameters, settings, projection, projected);
    }

    protected GaLore(String method, List<Parameter> parameters, AdamW.Settings settings, ProjectionSettings projection,
            Predicate<Parameter> projected) {
        super(method, parameters, settings, projection, projected);
        for (Slot s : slots()) {
            bases.put(s, Tensor.zeros(s.parameter.value().precision(), s.basisShape()));
        }
    }

    @Override
    protected void chooseBasis(Slot s, Tensor gradient) {
        SvdResult svd = new ExactSvd().decompose(gradient.matrix(s.rows, s.cols), s.rank);
        Tensor b = bases.get(s);
        if (s.right) {
            b.matrix(s.rank, s.cols).assign(svd.vt());
        } else {
            b.matrix(s.rows, s.rank).assign(svd.u());
        }
    }

    @Override
    protected Tensor basis(Slot s) {
        return bases.get(s);
    }

    @Override
    protected Map<String, Tensor> slotState(Slot s) {
        return Map.of("lowrank.basis." + s.name(), bases.get(s));
    }
}
