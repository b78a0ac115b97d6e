package org.lowrank4j.compress.methods.gptq;

import java.util.EnumSet;
import java.util.Set;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.CompressionMethod.Requirement;
import org.lowrank4j.compress.methods.PlainQuantizedSite;
import org.lowrank4j.compress.methods.QuantizedBase;
import org.lowrank4j.compress.methods.QuantizedMethod;
import org.lowrank4j.compress.methods.QuantizedSite;
import org.lowrank4j.compress.methods.Quantizing;
import org.lowrank4j.linalg.quant.GptqRounding;

/**
 * GPTQ: rounds W column by column and spreads each column's rounding error over the columns not yet rounded, with the
 * inverse of the site's Gram H = XᵀX, so that the layer output X Wᵀ stays close ({@link GptqRounding}). Same storage
 * as {@code rtn}; needs the Gram.
 */
public final class GptqMethod implements QuantizedMethod {
    private final GptqOptions options;

    public GptqMethod(GptqOptions options) {
        this.options = options;
    }

    @Override
    public String name() {
        return "gptq";
    }

    @Override
    public Set<Requirement> requirements() {
        return EnumSet.of(Requirement.GRAM);
    }

    @Override
    public QuantizedBase storage() {
        return options.storage();
    }

    @Override
    public int fixedRank() {
        return 0;
    }

    @Override
    public QuantizedSite prepare(LinearWeight weight, LayerStats stats) {
        CompressionMethod.requireStats(name(), weight, stats);
        GptqRounding gptq = new GptqRounding(options.damping(), GptqRounding.DEFAULT_BLOCK_SIZE);
        return new PlainQuantizedSite(Quantizing.onSite(weight, () -> gptq.quantize(weight.weight(), stats.gram(), options.storage().format())));
    }
}
