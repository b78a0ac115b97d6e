package org.lowrank4j.adapt.variant;

import java.util.LinkedHashMap;
import java.util.Map;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.layers.Linear;

/**
 * How an attention projection's weight splits into heads: {@code heads} blocks of {@code headSize} rows (q, k, v: the
 * output splits) or columns (o: the input splits). A variant that views weights by head (FLoRA's heads view) reads it;
 * the others ignore it.
 *
 * @param heads    the number of heads on the split side (key/value heads for k and v under grouped-query attention)
 * @param headSize the width of one head
 * @param input    true when the input side is split (the output projection), false for the output side (q, k, v)
 */
public record HeadLayout(int heads, int headSize, boolean input) {

    public HeadLayout {
        if (heads < 1 || headSize < 1) {
            throw new IllegalArgumentException("a head layout needs heads >= 1 and headSize >= 1, got " + heads + " x " + headSize);
        }
    }

    /** The split side's width, heads·headSize. */
    public int width() {
        return heads * headSize;
    }

    /** The head layout of every attention projection of a decoder, by module path, from its config's head counts. */
    public static Map<String, HeadLayout> decoder(LlamaModel model) {
        HfConfig c = model.config();
        HeadLayout query = new HeadLayout(c.numAttentionHeads(), c.headDim(), false);
        HeadLayout keyValue = new HeadLayout(c.numKeyValueHeads(), c.headDim(), false);
        HeadLayout output = new HeadLayout(c.numAttentionHeads(), c.headDim(), true);
        Map<String, HeadLayout> out = new LinkedHashMap<>();
        for (Map.Entry<String, Linear> e : model.linearSites().entrySet()) {
            String site = e.getKey();
            HeadLayout layout = site.endsWith("attention.query") ? query : site.endsWith("attention.key") || site.endsWith("attention.value")
                    ? keyValue : site.endsWith("attention.output") ? output : null;
            if (layout != null) {
                out.put(e.getValue().name(), layout);
            }
        }
        return out;
    }
}
