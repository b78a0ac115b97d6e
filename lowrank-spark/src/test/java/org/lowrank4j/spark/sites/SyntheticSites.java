package org.lowrank4j.spark.sites;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.linalg.DoubleMatrix;

/**
 * The linear sites of a BERT-style encoder with random weights: per block query, key, value, output (d×d), ffn.up
 * (4d×d) and ffn.down (d×4d) — MiniLM-L6 has d = 384 and 6 blocks, 36 sites. Weights have a decaying spectrum (a
 * Gaussian matrix times a diagonal of 1/(1+j/8)) and the Gram of each site's input comes from correlated activations
 * with a few outlier channels, so that the weighted methods have something to weigh.
 */
public final class SyntheticSites {
    public final List<LinearWeight> weights = new ArrayList<>();
    public final Map<String, LayerStats> stats = new LinkedHashMap<>();

    public SyntheticSites(int blocks, int width, int tokens, long seed) {
        Random random = new Random(seed);
        String[] roles = {"attention.query", "attention.key", "attention.value", "attention.output", "ffn.up", "ffn.down"};
        for (int b = 0; b < blocks; b++) {
            for (String role : roles) {
                int in = role.equals("ffn.down") ? 4 * width : width;
                int out = role.equals("ffn.up") ? 4 * width : width;
                String name = "block " + b + " " + role;
                weights.add(new LinearWeight(name, role, b, decaying(out, in, random), true));
                stats.put(name, activationStats(in, tokens, random));
            }
        }
    }

    private static DoubleMatrix decaying(int m, int n, Random random) {
        DoubleMatrix w = DoubleMatrix.gaussian(m, n, random);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                w.set(i, j, w.get(i, j) / (1 + j / 8.0) / Math.sqrt(n));
            }
        }
        return w;
    }

    private static LayerStats activationStats(int n, int tokens, Random random) {
        int mixRank = Math.max(1, n / 4);
        float[] mix = new float[mixRank * n];
        for (int e = 0; e < mix.length; e++) {
            mix[e] = (float) random.nextGaussian();
        }
        float[] rows = new float[tokens * n];
        for (int t = 0; t < tokens; t++) {
            for (int c = 0; c < mixRank; c++) {
                float z = (float) random.nextGaussian();
                for (int j = 0; j < n; j++) {
                    rows[t * n + j] += z * mix[c * n + j];
                }
            }
            for (int j = 0; j < n; j++) {
                rows[t * n + j] += 0.1f * (float) random.nextGaussian() + (j % 37 == 0 ? 5f : 0f);
            }
        }
        LayerStats s = new LayerStats(n);
        s.accumulate(rows, 0, tokens);
        return s;
    }
}
