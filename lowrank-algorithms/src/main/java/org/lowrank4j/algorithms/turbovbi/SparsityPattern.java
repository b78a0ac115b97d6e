package org.lowrank4j.algorithms.turbovbi;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * How regular the zeros of a decoder's MLPs are. Runs are read along each neuron's weights: a row of gate and up, a
 * column of down (the direction of {@link MlpSupport}'s chains); a neuron is removed when its gate row, up row and down
 * column are all zero.
 *
 * @param sites per projection, named by the layer (e.g. {@code model.layers.0.mlp.gate_proj})
 * @param zeros zero weights over all MLP projections
 * @param weights all MLP weights
 * @param zeroRuns maximal runs of zeros along the neurons' weights, summed
 * @param neuronsRemoved neurons with all three parts zero
 * @param neurons all neurons
 */
public record SparsityPattern(List<Site> sites, long zeros, long weights, long zeroRuns, int neuronsRemoved, int neurons) {

    /** One projection: zeros, size, runs of zeros, and all-zero lines (rows of gate/up, columns of down). */
    public record Site(String name, long zeros, long weights, long zeroRuns, int zeroLines) {
        public double sparsity() {
            return weights == 0 ? 0 : (double) zeros / weights;
        }
    }

    /** Fraction of MLP weights that are zero. */
    public double sparsity() {
        return weights == 0 ? 0 : (double) zeros / weights;
    }

    /** Mean length of a run of zeros. */
    public double meanZeroRun() {
        return zeroRuns == 0 ? 0 : (double) zeros / zeroRuns;
    }

    public static SparsityPattern of(CausalLanguageModel model) {
        List<Site> sites = new ArrayList<>();
        long zeros = 0, weights = 0, runs = 0;
        int removed = 0, neurons = 0;
        for (MlpSites mlp : MlpSites.of(model)) {
            Tensor gate = mlp.gate().weight().toDense(), up = mlp.up().weight().toDense(), down = mlp.down().weight().toDense();
            int intermediate = gate.dim(0), hidden = gate.dim(1);
            Tensor[] w = {gate, up, down};
            for (int m = 0; m < 3; m++) {
                long z = 0, r = 0;
                int lines = 0;
                for (int j = 0; j < intermediate; j++) {
                    boolean previous = false, all = true;
                    for (int t = 0; t < hidden; t++) {
                        int index = m == MlpSupport.DOWN ? t * intermediate + j : j * hidden + t;
                        boolean zero = w[m].get(index) == 0;
                        z += zero ? 1 : 0;
                        r += zero && !previous ? 1 : 0;
                        all &= zero;
                        previous = zero;
                    }
                    lines += all ? 1 : 0;
                }
                sites.add(new Site(mlp.linears().get(m).name(), z, w[m].size(), r, lines));
                zeros += z;
                weights += w[m].size();
                runs += r;
            }
            for (int j = 0; j < intermediate; j++) {
                boolean all = true;
                for (int t = 0; t < hidden && all; t++) {
                    all = gate.get(j * hidden + t) == 0 && up.get(j * hidden + t) == 0 && down.get(t * intermediate + j) == 0;
                }
                removed += all ? 1 : 0;
            }
            neurons += intermediate;
        }
        return new SparsityPattern(sites, zeros, weights, runs, removed, neurons);
    }
}
