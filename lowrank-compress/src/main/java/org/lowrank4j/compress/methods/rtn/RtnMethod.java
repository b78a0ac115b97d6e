package org.lowrank4j.compress.methods.rtn;

import java.util.EnumSet;
import java.util.Set;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.methods.CompressionMethod.Requirement;
import org.lowrank4j.compress.methods.PlainQuantizedSite;
import org.lowrank4j.compress.methods.QuantizedBase;
import org.lowrank4j.compress.methods.QuantizedMethod;
import org.lowrank4j.compress.methods.QuantizedSite;
import org.lowrank4j.compress.methods.Quantizing;
import org.lowrank4j.linalg.quant.RoundToNearest;

/**
 * Round to nearest (spec q00): every group of {@code group} input columns of a row gets the scale (and zero point) of
 * its range, and each weight the nearest code. Needs no calibration.
 */
public final class RtnMethod implements QuantizedMethod {
    private final RtnOptions options;

    public RtnMethod(RtnOptions options) {
        this.options = options;
    }

    @Override
    public String name() {
        return "rtn";
    }

    @Override
    public Set<Requirement> requirements() {
        return EnumSet.noneOf(Requirement.class);
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
        return new PlainQuantizedSite(Quantizing.onSite(weight, () -> RoundToNearest.quantize(weight.weight(), options.storage().format())));
    }
}
