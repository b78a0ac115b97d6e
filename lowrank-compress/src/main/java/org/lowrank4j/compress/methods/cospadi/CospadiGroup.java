package org.lowrank4j.compress.methods.cospadi;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.lowrank4j.compress.Dictionary;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.methods.GramRoot;
import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.decomposition.ExactSvd;
import org.lowrank4j.linalg.dictionary.KsvdResult;
import org.lowrank4j.linalg.dictionary.Ksvd;
import org.lowrank4j.linalg.dictionary.SparseCodes;

/**
 * One dictionary's sites after whitening (spec c11, "Gram orthonormalisation" and "Per-group variant"): with the summed
 * Gram {@code G = Σ_l G_l = R Rᵀ}, the whitened weight {@code W̃ = Rᵀ [W_1ᵀ … W_gᵀ]} (n×Σm_l) turns the output error
 * {@code Σ_l ‖X_l (W_lᵀ − D C_l)‖²} (with the group's inputs pooled) into the plain {@code ‖W̃ − D̃ C‖²}, which K-SVD
 * minimises; then {@code D = R⁻ᵀ D̃}. One site alone is a group of one (per-layer CoSpaDi).
 */
final class CospadiGroup {
    private final List<LinearWeight> members;
    private final GramRoot root;
    private final DoubleMatrix whitened; // W̃ (n×Σm)
    private final SvdResult svd;         // of W̃: the spectrum for reports and the SVD start

    private CospadiGroup(List<LinearWeight> members, GramRoot root, DoubleMatrix whitened, SvdResult svd) {
        this.members = members;
        this.root = root;
        this.whitened = whitened;
        this.svd = svd;
    }

    /** Whitens the members (equal input widths) with their summed Gram. */
    static CospadiGroup whiten(List<LinearWeight> members, Map<String, LayerStats> stats, double relativeJitter) {
        int n = members.get(0).inFeatures();
        DoubleMatrix gram = DoubleMatrix.zeros(n, n);
        for (LinearWeight w : members) {
            DoubleMatrix g = stats.get(w.name()).gram();
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    gram.set(i, j, gram.get(i, j) + g.get(i, j));
                }
            }
        }
        GramRoot root = GramRoot.of(gram, relativeJitter, 1e-10);
        int columns = members.stream().mapToInt(LinearWeight::outFeatures).sum();
        DoubleMatrix whitened = DoubleMatrix.zeros(n, columns);
        int at = 0;
        for (LinearWeight w : members) {
            DoubleMatrix part = root.timesRoot(w.weight()).transpose(); // (W_l R)ᵀ = Rᵀ W_lᵀ, n×m_l
            whitened.view(0, n, at, at + w.outFeatures()).assign(part);
            at += w.outFeatures();
        }
        return new CospadiGroup(List.copyOf(members), root, whitened, new ExactSvd().decompose(whitened));
    }

    List<LinearWeight> members() {
        return members;
    }

    int inFeatures() {
        return whitened.rows();
    }

    int columns() {
        return whitened.cols();
    }

    /** Singular values of the whitened weight, descending. */
    double[] spectrum() {
        return svd.s();
    }

    String whiteningRoute() {
        return root.route() == GramRoot.Route.CHOLESKY ? (root.jitter() > 0 ? "cholesky+jitter" : "cholesky") : "eigen";
    }

    /** The result of learning one shape: a {@link Dictionary} per member (sharing one D) and the whitened relative error. */
    record Learned(List<Dictionary> sites, double relativeError, double[] errors) {
    }

    /** Learns k atoms with s non-zeros per column. */
    Learned learn(int atoms, int sparsity, CospadiOptions options) {
        KsvdResult r = new Ksvd(options.iterations(), options.powerIterations()).learn(whitened, initial(atoms, options.init()), sparsity);
        DoubleMatrix d = root.divideByRoot(r.dictionary().transpose()).transpose().copy(); // D = R⁻ᵀ D̃ (n×k)
        List<Dictionary> sites = new ArrayList<>();
        int at = 0;
        for (LinearWeight w : members) {
            sites.add(new Dictionary(d, columns(r.codes(), at, w.outFeatures())));
            at += w.outFeatures();
        }
        double total = whitened.frobeniusNorm();
        double[] errors = r.errors();
        return new Learned(sites, total == 0 ? 0 : errors[errors.length - 1] / total, errors);
    }

    /** Columns [from, from + count) of the codes. */
    private static SparseCodes columns(SparseCodes c, int from, int count) {
        int s = c.sparsity();
        int[] idx = new int[count * s];
        double[] val = new double[count * s];
        System.arraycopy(c.indices(), from * s, idx, 0, count * s);
        System.arraycopy(c.values(), from * s, val, 0, count * s);
        return new SparseCodes(c.atoms(), count, s, idx, val);
    }

    /** The initial n×k dictionary (normalised inside K-SVD). */
    private DoubleMatrix initial(int atoms, CospadiOptions.Init init) {
        int n = whitened.rows(), m = whitened.cols();
        DoubleMatrix d = DoubleMatrix.zeros(n, atoms);
        int filled = 0;
        if (init == CospadiOptions.Init.SVD) {
            DenseMatrix u = svd.u();
            double floor = svd.s().length == 0 ? 0 : svd.s()[0] * 1e-12;
            while (filled < atoms && filled < svd.s().length && svd.s()[filled] > floor) {
                for (int i = 0; i < n; i++) {
                    d.set(i, filled, u.get(i, filled));
                }
                filled++;
            }
            // More atoms than the whitened weight's rank: the largest columns come next.
            List<Integer> byNorm = IntStream.range(0, m).boxed()
                    .sorted(Comparator.comparingDouble((Integer j) -> -columnNorm(j)).thenComparingInt(j -> j)).toList();
            for (int t = 0; filled < atoms && t < byNorm.size(); t++, filled++) {
                copyColumn(byNorm.get(t), d, filled);
            }
        } else {
            for (; filled < atoms; filled++) {
                copyColumn((int) ((long) filled * m / atoms) % m, d, filled);
            }
        }
        return d;
    }

    private double columnNorm(int j) {
        double sq = 0;
        for (int i = 0; i < whitened.rows(); i++) {
            sq += whitened.get(i, j) * whitened.get(i, j);
        }
        return sq;
    }

    private void copyColumn(int j, DoubleMatrix d, int atom) {
        for (int i = 0; i < whitened.rows(); i++) {
            d.set(i, atom, whitened.get(i, j));
        }
    }

    static void requireEqualInputs(List<LinearWeight> group) {
        int n = group.get(0).inFeatures();
        for (LinearWeight w : group) {
            if (w.inFeatures() != n) {
                throw new IllegalArgumentException("cospadi group: " + w.name() + " takes " + w.inFeatures() + " inputs but "
                        + group.get(0).name() + " takes " + n + "; sites sharing a dictionary need equal input widths");
            }
        }
        assert Linalg.backend() != null;
    }
}
