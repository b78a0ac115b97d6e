package org.lowrank4j.algorithms.turbovbi;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.train.Parameterization;
import org.lowrank4j.nn.weight.MaskedWeight;

/**
 * A fine-tune that keeps a pruning pattern: every MLP projection becomes a {@link MaskedWeight} whose mask
 * {@code masks} computes from the model as installed (magnitude pruning of the loaded weights, or the zeros a pruned
 * model already has), so the pruned entries stay zero while the rest trains.
 */
public final class MaskedTraining implements Parameterization {
    private final Function<List<MlpSites>, Map<String, boolean[]>> masks;

    public MaskedTraining(Function<List<MlpSites>, Map<String, boolean[]>> masks) {
        this.masks = masks;
    }

    /** The mask that keeps exactly the non-zero entries of each MLP projection. */
    public static Map<String, boolean[]> nonZeros(List<MlpSites> mlps) {
        Map<String, boolean[]> out = new java.util.LinkedHashMap<>();
        for (MlpSites mlp : mlps) {
            for (Linear linear : mlp.linears()) {
                var w = linear.weight().toDense();
                boolean[] kept = new boolean[w.size()];
                for (int i = 0; i < kept.length; i++) {
                    kept[i] = w.get(i) != 0;
                }
                out.put(linear.name(), kept);
            }
        }
        return out;
    }

    @Override
    public void install(CausalLanguageModel model, long seed) {
        List<MlpSites> mlps = MlpSites.of(model);
        Map<String, boolean[]> kept = masks.apply(mlps);
        for (MlpSites mlp : mlps) {
            for (Linear linear : mlp.linears()) {
                linear.setWeight(new MaskedWeight(new Parameter(linear.name() + ".weight", linear.weight().toDense()), kept.get(linear.name())));
            }
        }
    }
}
