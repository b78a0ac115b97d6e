package org.lowrank4j.algorithms.turbovbi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.layers.Linear;

/** The SwiGLU MLPs of a decoder, block by block: the linear sites {@code block i mlp.gate | mlp.up | mlp.down}. */
public record MlpSites(int block, Linear gate, Linear up, Linear down) {

    /** Site names as {@link CausalLanguageModel#linearSites()} gives them. */
    public static final String GATE = "mlp.gate", UP = "mlp.up", DOWN = "mlp.down";

    /**
     * @throws IllegalArgumentException when the model has no SwiGLU MLP (no {@code mlp.gate} site)
     */
    public static List<MlpSites> of(CausalLanguageModel model) {
        Map<String, Linear> sites = model.linearSites();
        List<MlpSites> out = new ArrayList<>();
        for (int i = 0; sites.containsKey(name(i, GATE)); i++) {
            out.add(new MlpSites(i, sites.get(name(i, GATE)), sites.get(name(i, UP)), sites.get(name(i, DOWN))));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("the model has no SwiGLU MLP (no linear site named '" + name(0, GATE)
                    + "'); turbo-vbi prunes the gate/up/down projections of a LLaMA-style decoder");
        }
        return out;
    }

    public static String name(int block, String site) {
        return "block " + block + " " + site;
    }

    public List<Linear> linears() {
        return List.of(gate, up, down);
    }
}
