package org.lowrank4j.algorithms.turbovbi;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * The baselines at a given number of zeros per projection: per-weight magnitude pruning (the smallest |w| of each
 * projection) and per-neuron magnitude pruning (whole neurons of each MLP with the smallest
 * ‖gate_j‖² + ‖up_j‖² + ‖down_{:,j}‖², as many as the MLP's zeros fill).
 */
public final class MagnitudePruning {
    private MagnitudePruning() {
    }

    /**
     * Masks (true = kept, row-major) for every MLP projection, by site name.
     *
     * @param zeros          zeros wanted per site name
     * @param wholeNeurons   remove whole neurons instead of single weights
     * @throws IllegalArgumentException when a site has no target or a target above its size
     */
    public static Map<String, boolean[]> masks(List<MlpSites> mlps, Map<String, Long> zeros, boolean wholeNeurons) {
        Map<String, boolean[]> out = new java.util.LinkedHashMap<>();
        for (MlpSites mlp : mlps) {
            if (wholeNeurons) {
                out.putAll(neuronMasks(mlp, zeros));
            } else {
                for (var linear : mlp.linears()) {
                    out.put(linear.name(), weightMask(linear.weight().toDense(), target(zeros, linear.name(), linear.weight().toDense().size())));
                }
            }
        }
        return out;
    }

    private static long target(Map<String, Long> zeros, String site, long size) {
        Long z = zeros.get(site);
        if (z == null || z < 0 || z > size) {
            throw new IllegalArgumentException("no valid zero count for " + site + " (got " + z + ", size " + size + ")");
        }
        return z;
    }

    /** Keeps all but the {@code zeros} entries of smallest |w| (ties broken by index). */
    static boolean[] weightMask(Tensor w, long zeros) {
        Integer[] order = new Integer[w.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(Math.abs(w.get(a)), Math.abs(w.get(b))));
        boolean[] kept = new boolean[w.size()];
        Arrays.fill(kept, true);
        for (int k = 0; k < zeros; k++) {
            kept[order[k]] = false;
        }
        return kept;
    }

    private static Map<String, boolean[]> neuronMasks(MlpSites mlp, Map<String, Long> zeros) {
        Tensor gate = mlp.gate().weight().toDense(), up = mlp.up().weight().toDense(), down = mlp.down().weight().toDense();
        int intermediate = gate.dim(0), hidden = gate.dim(1);
        long total = 0;
        for (var linear : mlp.linears()) {
            total += target(zeros, linear.name(), (long) intermediate * hidden);
        }
        int remove = (int) Math.min(intermediate, Math.round(total / (3.0 * hidden)));
        double[] energy = new double[intermediate];
        for (int j = 0; j < intermediate; j++) {
            for (int t = 0; t < hidden; t++) {
                double g = gate.get(j * hidden + t), u = up.get(j * hidden + t), d = down.get(t * intermediate + j);
                energy[j] += g * g + u * u + d * d;
            }
        }
        Integer[] order = new Integer[intermediate];
        for (int j = 0; j < intermediate; j++) {
            order[j] = j;
        }
        Arrays.sort(order, (a, b) -> Double.compare(energy[a], energy[b]));
        boolean[] gone = new boolean[intermediate];
        for (int k = 0; k < remove; k++) {
            gone[order[k]] = true;
        }
        boolean[] g = new boolean[intermediate * hidden], u = new boolean[intermediate * hidden], d = new boolean[intermediate * hidden];
        for (int j = 0; j < intermediate; j++) {
            for (int t = 0; t < hidden; t++) {
                g[j * hidden + t] = !gone[j];
                u[j * hidden + t] = !gone[j];
                d[t * intermediate + j] = !gone[j];
            }
        }
        return Map.of(mlp.gate().name(), g, mlp.up().name(), u, mlp.down().name(), d);
    }
}
