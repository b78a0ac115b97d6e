package org.lowrank4j.adapt.fastgrad;

import org.lowrank4j.linalg.DoubleMatrix;

/**
 * The polynomial feature map of spec 19: the truncated Taylor series of the attention kernel written as an inner product,
 * <pre>
 *   exp(q·k/√d) ≈ Σ_{j=0..g} (q·k/√d)^j / j! = φ(q)·φ(k),      φ_α(x) = x̃^α / √(α!),   x̃ = x / d^{1/4},
 * </pre>
 * one feature per multi-index α over the d coordinates with |α| ≤ g. By the multinomial theorem
 * (q̃·k̃)^j / j! = Σ_{|α|=j} q̃^α k̃^α / α!, so the symmetric monomials suffice: the width is C(d + g, g) instead of
 * Σ_j d^j. With it the L×L matrix exp(QKᵀ/√d) is U1·U2ᵀ with U1 = φ(Q), U2 = φ(K), both L × width.
 *
 * <p>The features are enumerated degree by degree: each monomial of degree j is a monomial of degree j − 1 whose last
 * coordinate m is multiplied by a coordinate c ≥ m. Multiplying α by x_c turns α! into α!·(α_c + 1), so the new feature is
 * the parent times x̃_c / √(α_c + 1); α_c is the run of c at the end of α (0 unless c = m).
 *
 * <p>How good the series is: with β ≥ |q·k|/√d for every pair (Cauchy–Schwarz gives β = max‖q‖·max‖k‖/√d), the
 * Lagrange remainder bounds each entry's error by β^{g+1}e^β/(g+1)!, and the entry itself is at least e^{−β}, so the
 * relative error of every entry is at most {@link #errorBound(double, int) β^{g+1}e^{2β}/(g+1)!}. Below 1 every
 * approximated entry stays positive; once β grows like √log L (the paper's threshold) the degree needed, and with it the
 * width, grows too fast for the method to pay off.
 */
public final class TaylorFeatures {
    /** Widths above this are refused: the map would take more memory than the L×L matrix it replaces for any sane L. */
    static final int MAX_WIDTH = 2_000_000;

    private final int dim;
    private final int degree;
    private final int[] parent;    // the feature this one extends (−1 for the constant)
    private final int[] factor;    // the coordinate it multiplies in
    private final double[] weight; // 1/√(α_c + 1) for that coordinate

    /**
     * @param dim    d, the head dimension (q and k have d coordinates)
     * @param degree g, the highest power kept (0 gives the constant 1, the mean of V)
     * @throws IllegalArgumentException for d < 1, g < 0 or a width above {@value #MAX_WIDTH}
     */
    public TaylorFeatures(int dim, int degree) {
        if (dim < 1 || degree < 0) {
            throw new IllegalArgumentException("Taylor features need a head dimension >= 1 and a degree >= 0, not d = " + dim + ", g = " + degree);
        }
        long width = width(dim, degree);
        if (width > MAX_WIDTH) {
            throw new IllegalArgumentException("Taylor features of degree " + degree + " over d = " + dim + " coordinates need " + width
                    + " features (more than " + MAX_WIDTH + "); the polynomial path only pays off for small head dimensions, use the exact attention gradient");
        }
        this.dim = dim;
        this.degree = degree;
        int n = (int) width;
        parent = new int[n];
        factor = new int[n];
        weight = new double[n];
        int[] last = new int[n];   // last coordinate of each monomial
        int[] run = new int[n];    // how many times that coordinate occurs in it
        parent[0] = -1;
        int size = 1, levelStart = 0;
        for (int j = 1; j <= degree; j++) {
            int levelEnd = size;
            for (int f = levelStart; f < levelEnd; f++) {
                for (int c = last[f]; c < dim; c++) {
                    int count = c == last[f] && f != 0 ? run[f] + 1 : 1;
                    parent[size] = f;
                    factor[size] = c;
                    weight[size] = 1 / Math.sqrt(count);
                    last[size] = c;
                    run[size] = count;
                    size++;
                }
            }
            levelStart = levelEnd;
        }
        assert size == n : size + " features enumerated, " + n + " expected";
    }

    /** C(d + g, g): the number of monomials of degree at most g in d variables. */
    public static long width(int dim, int degree) {
        double w = 1; // computed in floating point to see an overflow coming, then rounded
        for (int i = 1; i <= degree; i++) {
            w = w * (dim + i) / i;
            if (w > Long.MAX_VALUE / 4.0) {
                return Long.MAX_VALUE;
            }
        }
        return Math.round(w);
    }

    public int dim() {
        return dim;
    }

    public int degree() {
        return degree;
    }

    public int width() {
        return parent.length;
    }

    /** φ of every row of x (L × d): L × width. */
    public DoubleMatrix map(DoubleMatrix x) {
        if (x.cols() != dim) {
            throw new IllegalArgumentException("Taylor features over d = " + dim + " coordinates got rows of " + x.cols());
        }
        int rows = x.rows(), width = width();
        DoubleMatrix out = DoubleMatrix.zeros(rows, width);
        double[] o = out.data();
        double[] scaled = new double[dim];
        double scale = Math.pow(dim, -0.25);
        for (int i = 0; i < rows; i++) {
            for (int c = 0; c < dim; c++) {
                scaled[c] = x.get(i, c) * scale;
            }
            int base = i * width;
            o[base] = 1;
            for (int f = 1; f < width; f++) {
                o[base + f] = o[base + parent[f]] * scaled[factor[f]] * weight[f];
            }
        }
        return out;
    }

    /**
     * The bound on every entry's relative error, β^{g+1}·e^{2β}/(g+1)!, for scores |q·k|/√d ≤ β (infinite when it
     * overflows).
     */
    public static double errorBound(double beta, int degree) {
        double term = Math.exp(2 * beta);
        for (int i = 1; i <= degree + 1; i++) {
            term *= beta / i;
        }
        return Double.isNaN(term) ? Double.POSITIVE_INFINITY : term;
    }

    /**
     * The smallest degree whose {@link #errorBound} is at most {@code tolerance} for scores up to β.
     *
     * @throws IllegalArgumentException when no degree up to 40 reaches it (the scores are past the threshold where the
     *                                  polynomial path pays off; use the exact gradient)
     */
    public static int degreeFor(double beta, double tolerance) {
        if (!(beta >= 0) || !(tolerance > 0)) {
            throw new IllegalArgumentException("degreeFor needs a score bound >= 0 and a tolerance > 0, not " + beta + " and " + tolerance);
        }
        for (int g = 0; g <= 40; g++) {
            if (errorBound(beta, g) <= tolerance) {
                return g;
            }
        }
        throw new IllegalArgumentException(String.format("scores up to |q·k|/√d = %.3g need a Taylor degree above 40 for a relative error of %.1e;"
                + " the polynomial attention gradient does not apply here, use the exact one", beta, tolerance));
    }

    /** β = max_i ‖q_i‖ · max_j ‖k_j‖ / √d, which bounds |q_i·k_j|/√d for every pair. */
    public static double scoreBound(DoubleMatrix q, DoubleMatrix k) {
        return maxRowNorm(q) * maxRowNorm(k) / Math.sqrt(q.cols());
    }

    private static double maxRowNorm(DoubleMatrix x) {
        double max = 0;
        for (int i = 0; i < x.rows(); i++) {
            double s = 0;
            for (int c = 0; c < x.cols(); c++) {
                s += x.get(i, c) * x.get(i, c);
            }
            max = Math.max(max, s);
        }
        return Math.sqrt(max);
    }
}
