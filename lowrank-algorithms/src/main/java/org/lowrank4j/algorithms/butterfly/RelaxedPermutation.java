package org.lowrank4j.algorithms.butterfly;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The 2019 butterfly paper's relaxed input permutation: a product of soft permutation factors, each acting inside
 * blocks of one size S (a power of two, 4 ≤ S ≤ N) and mixing the identity with three fixed choices, one probability
 * p = sigmoid(logit) each, applied in this order:
 * <pre>
 *   separate:            [x0, x1, …, x_{S−1}] → [x0, x2, …, x_{S−2}, x1, x3, …, x_{S−1}]   y = (1−p0)·x + p0·Π_sep x
 *   reverse first half:  the first S/2 entries in reverse order                         y = (1−p1)·x + p1·Π_rev1 x
 *   reverse second half: the last S/2 entries in reverse order                          y = (1−p2)·x + p2·Π_rev2 x
 * </pre>
 * Every factor is doubly stochastic, so P is too; once each p is rounded to 0 or 1 ({@link #harden}) P is a true
 * permutation. Separating at every block size N, N/2, …, 4 is the bit reversal; separating at N and then reversing its
 * second half is Makhoul's reordering [x0, x2, …, x3, x1] — so the factor list {@link #dctFactors} (N, then N, N/2, …,
 * 4) contains makhoul-bit-reversal, the DCT's permutation, and {@link #singleProduct} (N, N/2, …, 4) the bit reversal.
 * Dao et al., ICML 2019, arXiv:1903.05895, §3.3 (their "BPP" model for the DCT: one extra factor in front).
 *
 * <p>Convention as elsewhere in this package: (P x)[k] = x[perm[k]] for a hard permutation.
 */
public final class RelaxedPermutation {
    private final int n;
    private final int[] blockSizes; // in the order they are applied to the input
    final double[][] logits;        // (factors, 3)

    RelaxedPermutation(int n, int[] blockSizes, double[][] logits) {
        if (n < 2 || Integer.bitCount(n) != 1) {
            throw new IllegalArgumentException("a relaxed permutation needs a size that is a power of two (at least 2), got " + n);
        }
        for (int s : blockSizes) {
            if (s < 4 || s > n || Integer.bitCount(s) != 1) {
                throw new IllegalArgumentException("relaxed permutation blocks are powers of two from 4 to " + n + ", got " + s);
            }
        }
        this.n = n;
        this.blockSizes = blockSizes.clone();
        this.logits = logits;
    }

    /** One product of log₂N − 1 factors, block sizes N, N/2, …, 4, logits N(0, 1) like the reference. */
    public static RelaxedPermutation singleProduct(int n, Random random) {
        return random(n, decreasingBlocks(n, false), random);
    }

    /** The DCT's factor list: one factor at block size N, then N, N/2, …, 4 ("BPP"), logits N(0, 1). */
    public static RelaxedPermutation dctFactors(int n, Random random) {
        return random(n, decreasingBlocks(n, true), random);
    }

    /** Hard choices (each row {separate, reverse first half, reverse second half}) on the given blocks. */
    public static RelaxedPermutation ofChoices(int n, int[] blockSizes, boolean[][] choices) {
        double[][] logits = new double[blockSizes.length][3];
        for (int f = 0; f < blockSizes.length; f++) {
            for (int c = 0; c < 3; c++) {
                logits[f][c] = choices[f][c] ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
            }
        }
        return new RelaxedPermutation(n, blockSizes, logits);
    }

    /** Block sizes N, N/2, …, 4, with an extra N in front when {@code extraTop}. */
    public static int[] decreasingBlocks(int n, boolean extraTop) {
        List<Integer> sizes = new ArrayList<>();
        if (extraTop && n >= 4) {
            sizes.add(n);
        }
        for (int s = n; s >= 4; s /= 2) {
            sizes.add(s);
        }
        return sizes.stream().mapToInt(Integer::intValue).toArray();
    }

    private static RelaxedPermutation random(int n, int[] blocks, Random random) {
        double[][] logits = new double[blocks.length][3];
        for (double[] row : logits) {
            for (int c = 0; c < 3; c++) {
                row[c] = random.nextGaussian();
            }
        }
        return new RelaxedPermutation(n, blocks, logits);
    }

    public int size() {
        return n;
    }

    public int factorCount() {
        return blockSizes.length;
    }

    /** Probability of choice c (0 separate, 1 reverse first half, 2 reverse second half) in factor f. */
    public double probability(int f, int c) {
        return 1 / (1 + Math.exp(-logits[f][c]));
    }

    /** Number of learned parameters (3 logits per factor). */
    public int parameterCount() {
        return 3 * blockSizes.length;
    }

    /** Where row r of choice c's permutation inside blocks of size s reads from: y[r] = x[source(r)]. */
    private static int source(int choice, int s, int r) {
        int base = r - r % s, i = r % s, half = s / 2;
        return switch (choice) {
            case 0 -> base + (i < half ? 2 * i : 2 * (i - half) + 1);
            case 1 -> i < half ? base + half - 1 - i : r;
            default -> i >= half ? base + s - 1 - (i - half) : r;
        };
    }

    /** The dense N×N matrix (row-major; column m = P e_m). */
    public double[] matrix() {
        return forward(null);
    }

    /** Forward on the identity; when {@code inputs} is given, the input of every elementary mix is kept (for backward). */
    private double[] forward(List<double[]> inputs) {
        double[] x = new double[n * n];
        for (int i = 0; i < n; i++) {
            x[i * n + i] = 1;
        }
        for (int f = 0; f < blockSizes.length; f++) {
            for (int c = 0; c < 3; c++) {
                if (inputs != null) {
                    inputs.add(x);
                }
                x = mix(x, blockSizes[f], c, probability(f, c));
            }
        }
        return x;
    }

    private double[] mix(double[] x, int s, int choice, double p) {
        double[] y = new double[n * n];
        for (int r = 0; r < n; r++) {
            int src = source(choice, s, r);
            for (int col = 0; col < n; col++) {
                y[r * n + col] = (1 - p) * x[r * n + col] + p * x[src * n + col];
            }
        }
        return y;
    }

    /**
     * Given ∂L/∂P (row-major N×N), writes ∂L/∂logits into {@code gradLogits} (factors × 3). Recomputes the forward.
     */
    void backward(double[] gradP, double[][] gradLogits) {
        List<double[]> inputs = new ArrayList<>();
        forward(inputs);
        double[] g = gradP.clone();
        int op = inputs.size() - 1;
        for (int f = blockSizes.length - 1; f >= 0; f--) {
            for (int c = 2; c >= 0; c--, op--) {
                double[] x = inputs.get(op);
                double p = probability(f, c), dp = 0;
                double[] gx = new double[n * n];
                int s = blockSizes[f];
                for (int r = 0; r < n; r++) {
                    int src = source(c, s, r);
                    for (int col = 0; col < n; col++) {
                        double gy = g[r * n + col];
                        dp += gy * (x[src * n + col] - x[r * n + col]);
                        gx[r * n + col] += (1 - p) * gy;
                        gx[src * n + col] += p * gy;
                    }
                }
                gradLogits[f][c] = Double.isInfinite(logits[f][c]) ? 0 : dp * p * (1 - p);
                g = gx;
            }
        }
    }

    /** Each probability rounded (p ≥ 0.5 → the choice taken): a true permutation, as perm with (P x)[k] = x[perm[k]]. */
    public int[] harden() {
        int[] perm = Transforms.identity(n);
        for (int f = 0; f < blockSizes.length; f++) {
            for (int c = 0; c < 3; c++) {
                if (probability(f, c) >= 0.5) {
                    int[] next = new int[n];
                    for (int r = 0; r < n; r++) {
                        next[r] = perm[source(c, blockSizes[f], r)];
                    }
                    perm = next;
                }
            }
        }
        return perm;
    }

    /** The choices, one character per factor and choice ('s', 'a' (first half reversed), 'b' (second half reversed) or '-'), e.g. "sb-|s--|s--". */
    public String describeHardened() {
        StringBuilder out = new StringBuilder();
        for (int f = 0; f < blockSizes.length; f++) {
            if (f > 0) {
                out.append('|');
            }
            out.append(probability(f, 0) >= 0.5 ? 's' : '-').append(probability(f, 1) >= 0.5 ? 'a' : '-').append(probability(f, 2) >= 0.5 ? 'b' : '-');
        }
        return out.toString();
    }

    /** The largest distance of any probability from its rounded value (0 once fully hard). */
    public double softness() {
        double worst = 0;
        for (int f = 0; f < blockSizes.length; f++) {
            for (int c = 0; c < 3; c++) {
                double p = probability(f, c);
                worst = Math.max(worst, Math.min(p, 1 - p));
            }
        }
        return worst;
    }
}
