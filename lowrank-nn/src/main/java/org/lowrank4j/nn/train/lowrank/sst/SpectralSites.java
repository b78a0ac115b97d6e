package org.lowrank4j.nn.train.lowrank.sst;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.train.Parameterization;

/**
 * SST's parameterisation: every linear site of the model's blocks becomes a {@link SpectralWeight} initialised with the
 * exact SVD of its current weight (SVD initialisation is essential to SST). The same object is handed to the
 * {@link SpectralAdam} the method builds, which finds the weights and the seed here: its index sampling is derived from
 * the seed, the step and the site, so a resumed run draws the same indices.
 */
public final class SpectralSites implements Parameterization {
    private final SstSettings settings;
    private List<SpectralWeight> weights = List.of();
    private long seed;

    public SpectralSites(SstSettings settings) {
        this.settings = settings;
    }

    /**
     * @throws IllegalArgumentException when the rank is above min(out, in) of a site, naming it
     */
    @Override
    public void install(CausalLanguageModel model, long seed) {
        Map<String, Linear> sites = model.linearSites();
        for (Linear linear : sites.values()) {
            int p = Math.min(linear.outFeatures(), linear.inFeatures());
            if (settings.rank() > p) {
                throw new IllegalArgumentException(SstSettings.METHOD + ": rank " + settings.rank() + " is above the dimensions of " + linear.name()
                        + " (" + linear.outFeatures() + "×" + linear.inFeatures() + "); the rank must be at most " + p
                        + " = min(out, in) of every block matrix");
            }
        }
        List<SpectralWeight> installed = new ArrayList<>();
        for (Linear linear : sites.values()) {
            SpectralWeight w = SpectralWeight.of(linear.name(), linear.weight().toDense());
            linear.setWeight(w);
            installed.add(w);
        }
        this.weights = List.copyOf(installed);
        this.seed = seed;
    }

    /** The weights of the latest {@link #install}, in site order. */
    public List<SpectralWeight> weights() {
        return weights;
    }

    /** The seed of the latest {@link #install}. */
    public long seed() {
        return seed;
    }

    public SstSettings settings() {
        return settings;
    }
}
