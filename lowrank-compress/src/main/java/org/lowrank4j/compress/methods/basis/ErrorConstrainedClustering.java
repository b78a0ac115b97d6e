package org.lowrank4j.compress.methods.basis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.EigenResult;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.PivotedQrResult;
import org.lowrank4j.linalg.QrResult;
import org.lowrank4j.linalg.decomposition.ExactSvd;
import org.lowrank4j.linalg.decomposition.Qr;
import org.lowrank4j.linalg.decomposition.SymmetricEigen;

/**
 * Error-constrained clustering of blocks {@code A_i} (d×c_i, same d) so that each cluster's concatenation
 * {@code M = [A_i …]} has relative rank-r error {@code ε(M) = sqrt((‖M‖_F² − Σ_{j≤r} σ_j²(M)) / ‖M‖_F²) ≤ eps}
 * (Shamrai, arXiv:2601.11626; spec c13 part B).
 *
 * <p>Greedy, one cluster at a time over the remaining blocks sorted by Frobenius norm (descending): the seed is
 * the largest block plus further largest blocks while the seed has at most r columns; candidates are then tried
 * one at a time (smallest norm first, or smallest residual against the seed's basis first) and the cluster stops
 * at the first candidate whose bound on ε exceeds eps. The bound uses a lower estimate λ of Σ_{j≤r} σ_j²(M):
 * <ul>
 *   <li>MAX_NORM: λ = the seed's own top-r energy (Weyl: appending columns never lowers σ_j). With a seed of at
 *       most r columns this is ‖seed‖_F², the spec's form; with wider seeds (one weight block usually has more
 *       than r columns) the top-r energy keeps the bound valid.</li>
 *   <li>RESIDUALS: the singular values of each block's residual against the cluster's orthonormal basis
 *       (directions orthogonal to everything before) join a sorted list, of which the top r count.</li>
 *   <li>APPROXIMATE: an incremental eigen-update of M Mᵀ ≈ Q S Qᵀ truncated to r + oversampling pairs; close to
 *       the exact energy, but not a guaranteed bound.</li>
 * </ul>
 * A cluster to which nothing could be added increments a patience counter; after {@code patience} such clusters
 * in a row every remaining block becomes its own cluster. A multi-block seed is always emitted whole (the
 * reference code loses its other blocks). Blocks are scaled by the largest norm first, so the tolerances are
 * relative. Deterministic: ties in norm keep the input order.
 */
public final class ErrorConstrainedClustering {
    private static final double MACHINE_EPS = Math.ulp(1.0);

    private final ClusteringOptions options;
    private final int rank;

    /**
     * @param rank r in ε(M), at least 1 ({@link ClusteringOptions#rankTarget()} is ignored here; the caller resolves
     *             its automatic value)
     */
    public ErrorConstrainedClustering(ClusteringOptions options, int rank) {
        if (rank < 1) {
            throw new IllegalArgumentException("clustering rank target must be at least 1, got " + rank);
        }
        this.options = options;
        this.rank = rank;
    }

    /** Clusters as index arrays into {@code blocks}, seed first; every index appears exactly once. */
    public List<int[]> cluster(List<DoubleMatrix> blocks) {
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("clustering needs at least one block");
        }
        int d = blocks.get(0).rows();
        double largest = 0;
        for (int i = 0; i < blocks.size(); i++) {
            DoubleMatrix b = blocks.get(i);
            if (b.rows() != d) {
                throw new IllegalArgumentException("block " + i + " is " + b.shape() + " but block 0 has " + d + " rows; concatenated blocks must share their rows");
            }
            Linalg.requireFinite("block " + i, b);
            largest = Math.max(largest, b.frobeniusNorm());
        }
        List<DoubleMatrix> scaled = new ArrayList<>();
        double[] energy = new double[blocks.size()];
        for (int i = 0; i < blocks.size(); i++) {
            DoubleMatrix s = blocks.get(i).copy();
            double[] v = s.data();
            for (int k = 0; k < v.length && largest > 0; k++) {
                v[k] /= largest;
            }
            scaled.add(s);
            double f = s.frobeniusNorm();
            energy[i] = f * f;
        }
        List<Integer> available = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            available.add(i);
        }
        available.sort(Comparator.comparingDouble((Integer i) -> -energy[i])); // stable: ties keep input order
        List<int[]> clusters = new ArrayList<>();
        int idle = 0;
        while (!available.isEmpty()) {
            List<Integer> seed = new ArrayList<>(List.of(available.get(0)));
            int columns = scaled.get(available.get(0)).cols(), next = 1;
            while (next < available.size() && columns + scaled.get(available.get(next)).cols() <= rank) {
                columns += scaled.get(available.get(next)).cols();
                seed.add(available.get(next++));
            }
            List<Integer> added = grow(scaled, energy, seed, new ArrayList<>(available.subList(next, available.size())));
            if (added.isEmpty() && ++idle >= options.patience()) {
                for (int i : available) {
                    clusters.add(new int[] {i});
                }
                break;
            }
            if (!added.isEmpty()) {
                idle = 0;
            }
            List<Integer> members = new ArrayList<>(seed);
            members.addAll(added);
            clusters.add(members.stream().mapToInt(Integer::intValue).toArray());
            available.removeAll(members);
        }
        return clusters;
    }

    /** Tries the candidates in the configured order; returns those that joined the seed. */
    private List<Integer> grow(List<DoubleMatrix> blocks, double[] energy, List<Integer> seed, List<Integer> rest) {
        Bound bound = switch (options.algorithm()) {
            case MAX_NORM -> new MaxNormBound();
            case RESIDUALS -> new ResidualBound();
            case APPROXIMATE -> new ApproximateBound();
        };
        bound.start(concatenate(seed.stream().map(blocks::get).toList()));
        double total = 0;
        for (int i : seed) {
            total += energy[i];
        }
        List<Integer> order = new ArrayList<>(rest);
        if (options.ordering() == ClusteringOptions.Ordering.RESIDUAL && options.algorithm() != ClusteringOptions.Algorithm.MAX_NORM) {
            double[] residual = new double[blocks.size()];
            for (int i : order) {
                residual[i] = bound.residualNorm(blocks.get(i));
            }
            order.sort(Comparator.comparingDouble((Integer i) -> residual[i]));
        } else {
            java.util.Collections.reverse(order); // smallest norm first
        }
        List<Integer> added = new ArrayList<>();
        for (int c : order) {
            double trial = total + energy[c];
            double captured = bound.add(blocks.get(c));
            double error = captured >= trial ? 0 : Math.sqrt((trial - captured) / trial);
            if (!(error <= options.eps())) {
                break;
            }
            total = trial;
            added.add(c);
        }
        return added;
    }

    /** The exact ε(M) of the concatenation at rank r, by a full SVD (for reports and tests). */
    public static double relativeError(List<DoubleMatrix> blocks, int rank) {
        double[] s = new ExactSvd().decompose(concatenate(blocks)).s();
        double total = 0, kept = 0;
        for (int j = 0; j < s.length; j++) {
            total += s[j] * s[j];
            kept += j < rank ? s[j] * s[j] : 0;
        }
        return total == 0 ? 0 : Math.sqrt(Math.max(0, total - kept) / total);
    }

    /** [A_1, A_2, …] (d × Σ c_i). */
    static DoubleMatrix concatenate(List<DoubleMatrix> blocks) {
        int d = blocks.get(0).rows(), width = blocks.stream().mapToInt(DoubleMatrix::cols).sum();
        DoubleMatrix out = DoubleMatrix.zeros(d, width);
        int at = 0;
        for (DoubleMatrix b : blocks) {
            out.view(0, d, at, at + b.cols()).assign(b);
            at += b.cols();
        }
        return out;
    }

    /** A lower estimate of Σ_{j≤r} σ_j² of the growing concatenation. */
    private interface Bound {
        void start(DoubleMatrix seed);

        /** The estimate after appending {@code block}. */
        double add(DoubleMatrix block);

        /** ‖(I − QQᵀ) block‖_F against the current basis (RESIDUAL ordering). */
        double residualNorm(DoubleMatrix block);
    }

    private final class MaxNormBound implements Bound {
        private double captured;

        @Override
        public void start(DoubleMatrix seed) {
            captured = topEnergy(new ExactSvd().decompose(seed).s(), rank);
        }

        @Override
        public double add(DoubleMatrix block) {
            return captured;
        }

        @Override
        public double residualNorm(DoubleMatrix block) {
            throw new AssertionError("max-norm clustering orders by norm only");
        }
    }

    private final class ResidualBound implements Bound {
        private DoubleMatrix basis;  // d×q orthonormal columns spanning everything in the cluster
        private double[] bounds;     // descending lower bounds of the top singular values, at most r kept

        @Override
        public void start(DoubleMatrix seed) {
            basis = prunedBasis(seed);
            double[] s = new ExactSvd().decompose(seed).s();
            bounds = Arrays.copyOf(s, Math.min(rank, s.length));
        }

        @Override
        public double add(DoubleMatrix block) {
            DoubleMatrix r = projectAway(basis, block);
            double blockNorm = block.frobeniusNorm();
            if (r.frobeniusNorm() <= 10 * MACHINE_EPS * Math.sqrt(block.rows()) * blockNorm) {
                return topEnergy(bounds, rank);
            }
            double[] s = new ExactSvd().decompose(r).s();
            double[] merged = Arrays.copyOf(bounds, bounds.length + s.length);
            System.arraycopy(s, 0, merged, bounds.length, s.length);
            Arrays.sort(merged);
            bounds = new double[Math.min(rank, merged.length)];
            for (int j = 0; j < bounds.length; j++) {
                bounds[j] = merged[merged.length - 1 - j];
            }
            DoubleMatrix fresh = prunedBasis(projectAway(basis, prunedBasis(r)));
            basis = basis.cols() == 0 ? fresh : concatenate(List.of(basis, fresh));
            return topEnergy(bounds, rank);
        }

        @Override
        public double residualNorm(DoubleMatrix block) {
            return projectAway(basis, block).frobeniusNorm();
        }
    }

    private final class ApproximateBound implements Bound {
        private DoubleMatrix basis;  // d×q, M Mᵀ ≈ Q S Qᵀ
        private double[] values;     // S = diag(values), descending, q ≤ r + oversampling

        @Override
        public void start(DoubleMatrix seed) {
            var svd = new ExactSvd().decompose(seed);
            int keep = 0;
            double[] s = svd.s();
            while (keep < Math.min(s.length, rank + options.oversampling()) && s[keep] * s[keep] > options.tolerance()) {
                keep++;
            }
            basis = svd.u().toDouble().colRange(0, keep).copy();
            values = new double[keep];
            for (int j = 0; j < keep; j++) {
                values[j] = s[j] * s[j];
            }
        }

        @Override
        public double add(DoubleMatrix block) {
            int q = values.length;
            DoubleMatrix y = q == 0 ? DoubleMatrix.zeros(0, block.cols()) : Linalg.multiply(basis.transpose(), block); // q×c
            DoubleMatrix residual = q == 0 ? block.copy() : subtract(block, Linalg.multiply(basis, y));          // d×c
            QrResult qr = new Qr().decompose(residual);
            DoubleMatrix qr0 = qr.q().toDouble(), b0 = qr.r().toDouble();
            List<Integer> keptRows = new ArrayList<>();
            for (int i = 0; i < b0.rows(); i++) {
                if (b0.rowRange(i, i + 1).frobeniusNorm() > options.tolerance()) {
                    keptRows.add(i);
                }
            }
            int k = keptRows.size();
            DoubleMatrix qNew = DoubleMatrix.zeros(block.rows(), k), b = DoubleMatrix.zeros(k, block.cols());
            for (int t = 0; t < k; t++) {
                qNew.view(0, block.rows(), t, t + 1).assign(qr0.colRange(keptRows.get(t), keptRows.get(t) + 1));
                b.rowRange(t, t + 1).assign(b0.rowRange(keptRows.get(t), keptRows.get(t) + 1));
            }
            // Extended Gram [[S + YYᵀ, YBᵀ], [BYᵀ, BBᵀ]] ((q+k)×(q+k)).
            DoubleMatrix stacked = concatenateRows(y, b);                       // (q+k)×c
            DoubleMatrix gram = Linalg.multiply(stacked, stacked.transpose());
            for (int j = 0; j < q; j++) {
                gram.set(j, j, gram.get(j, j) + values[j]);
            }
            int size = q + k;
            if (size == 0) {
                return 0;
            }
            symmetrize(gram);
            EigenResult e = new SymmetricEigen().decompose(gram);
            int keep = 0;
            while (keep < Math.min(size, rank + options.oversampling()) && Math.max(0, e.values()[keep]) > options.tolerance()) {
                keep++;
            }
            DoubleMatrix extended = q == 0 ? qNew : (k == 0 ? basis : concatenate(List.of(basis, qNew)));
            basis = Linalg.multiply(extended, e.vectors().colRange(0, keep).copy());
            values = Arrays.copyOf(e.values(), keep);
            return capturedEnergy();
        }

        @Override
        public double residualNorm(DoubleMatrix block) {
            return projectAway(basis, block).frobeniusNorm();
        }

        /** Σ of the top-r eigenvalues of S (squared singular values). */
        private double capturedEnergy() {
            double sum = 0;
            for (int j = 0; j < Math.min(rank, values.length); j++) {
                sum += values[j];
            }
            return sum;
        }
    }

    private static double topEnergy(double[] singularValues, int rank) {
        double sum = 0;
        for (int j = 0; j < Math.min(rank, singularValues.length); j++) {
            sum += singularValues[j] * singularValues[j];
        }
        return sum;
    }

    /** (I − QQᵀ) A with a second pass against loss of orthogonality. */
    private static DoubleMatrix projectAway(DoubleMatrix q, DoubleMatrix a) {
        if (q.cols() == 0) {
            return a.copy();
        }
        DoubleMatrix r = subtract(a, Linalg.multiply(q, Linalg.multiply(q.transpose(), a)));
        return subtract(r, Linalg.multiply(q, Linalg.multiply(q.transpose(), r)));
    }

    /** Orthonormal basis of X's columns, pruned where the pivoted R's diagonal falls below ε_mach·max(shape)·‖X‖_F. */
    private static DoubleMatrix prunedBasis(DoubleMatrix x) {
        if (x.cols() == 0) {
            return DoubleMatrix.zeros(x.rows(), 0);
        }
        PivotedQrResult qr = new Qr().decomposePivoted(x);
        double threshold = MACHINE_EPS * Math.max(x.rows(), x.cols()) * x.frobeniusNorm();
        int keep = 0;
        while (keep < qr.r().rows() && Math.abs(qr.r().get(keep, keep)) > threshold) {
            keep++;
        }
        return qr.q().colRange(0, keep).copy();
    }

    private static DoubleMatrix subtract(DoubleMatrix a, DoubleMatrix b) {
        DoubleMatrix out = a.copy();
        for (int i = 0; i < out.rows(); i++) {
            for (int j = 0; j < out.cols(); j++) {
                out.set(i, j, out.get(i, j) - b.get(i, j));
            }
        }
        return out;
    }

    private static DoubleMatrix concatenateRows(DoubleMatrix top, DoubleMatrix bottom) {
        DoubleMatrix out = DoubleMatrix.zeros(top.rows() + bottom.rows(), top.cols());
        out.view(0, top.rows(), 0, top.cols()).assign(top);
        out.view(top.rows(), out.rows(), 0, top.cols()).assign(bottom);
        return out;
    }

    private static void symmetrize(DoubleMatrix g) {
        for (int i = 0; i < g.rows(); i++) {
            for (int j = 0; j < i; j++) {
                double v = 0.5 * (g.get(i, j) + g.get(j, i));
                g.set(i, j, v);
                g.set(j, i, v);
            }
        }
    }
}
