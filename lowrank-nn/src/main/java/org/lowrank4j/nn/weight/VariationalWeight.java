package org.lowrank4j.nn.weight;

import java.util.List;
import java.util.SplittableRandom;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * A Gaussian variational weight {@code q(W) = Π N(μ_ij, σ_ij²)} for Bayesian training: the trainable parameters are the
 * mean μ (out, in) and {@code log σ²} (out, in) (the log keeps σ positive without a constraint). In training mode
 * ({@link #sampling(boolean)}) every forward draws {@code W = μ + σ ⊙ ε}, ε ~ N(0, 1), once for the whole batch (the
 * reparameterisation trick) and the backward gives {@code dμ = D}, {@code d log σ² = D ⊙ ε ⊙ σ / 2} with
 * {@code D = dyᵀ·x}; otherwise W = μ. {@link #addPriorTerm} adds the Gaussian prior's part of the ELBO,
 * {@code Σ E[ρ_ij]·(μ_ij² + σ_ij²)/2 − ½ log σ_ij²}, for per-weight prior precisions E[ρ] that a Bayesian method sets with
 * {@link #expectedPrecision()}. {@link #toDense()} is μ, so a model saved after training holds the posterior means.
 *
 * <p>Unlike the other weights this one keeps the draw of its latest sampled forward for the backward that follows it:
 * in sampling mode each forward must be followed by its own backward before the next forward.
 */
public final class VariationalWeight implements WeightFactorization {
    /** Parameter name suffixes: {@code <site>.vbi_mean}, {@code <site>.vbi_log_variance}. */
    public static final String MEAN_SUFFIX = ".vbi_mean", LOG_VARIANCE_SUFFIX = ".vbi_log_variance";
    private final Parameter mean;        // μ (out, in)
    private final Parameter logVariance; // log σ² (out, in)
    private final float[] precision;     // E[ρ] (out·in), row-major
    private final SplittableRandom random;
    private boolean sampling;
    private Tensor sampled;              // W = μ + σ ε of the latest sampled forward (out, in)
    private Tensor noise;                // ε of that forward (out, in)

    /**
     * @param name          the site's name (parameters are {@code name + MEAN_SUFFIX} and {@code name + LOG_VARIANCE_SUFFIX})
     * @param initial       the starting mean (out, in), copied
     * @param logVariance   the starting log σ², finite
     * @param seed          seed of the noise draws
     */
    public VariationalWeight(String name, Tensor initial, double logVariance, long seed) {
        if (initial.rank() != 2) {
            throw new IllegalArgumentException(name + ": a variational weight needs an (out, in) mean, got " + initial.shapeString());
        }
        if (!Double.isFinite(logVariance)) {
            throw new IllegalArgumentException(name + ": initial log variance must be finite, got " + logVariance);
        }
        this.mean = new Parameter(name + MEAN_SUFFIX, initial.copy());
        Tensor lv = initial.zerosLike();
        lv.fill(logVariance);
        this.logVariance = new Parameter(name + LOG_VARIANCE_SUFFIX, lv);
        this.precision = new float[initial.size()];
        this.random = new SplittableRandom(seed);
    }

    public Parameter mean() {
        return mean;
    }

    public Parameter logVariance() {
        return logVariance;
    }

    /** E[ρ] per weight, row-major (out·in); the method that owns the prior writes it, the prior term reads it. */
    public float[] expectedPrecision() {
        return precision;
    }

    /** Draw W = μ + σ ε in forward (training) or use W = μ (evaluation). */
    public void sampling(boolean on) {
        sampling = on;
    }

    @Override
    public int inFeatures() {
        return mean.value().dim(1);
    }

    @Override
    public int outFeatures() {
        return mean.value().dim(0);
    }

    @Override
    public Precision precision() {
        return mean.value().precision();
    }

    @Override
    public Tensor forward(Tensor x) {
        checkInput(mean.name(), x);
        Tensor w = mean.value();
        if (sampling) {
            Tensor lv = logVariance.value();
            noise = w.zerosLike();
            sampled = w.zerosLike();
            for (int i = 0; i < w.size(); i++) {
                double e = random.nextGaussian();
                noise.set(i, e);
                sampled.set(i, w.get(i) + Math.exp(0.5 * lv.get(i)) * e);
            }
            w = sampled;
        }
        Tensor y = Tensor.zeros(precision(), outputShape(x)); // (N, out)
        MatMul.timesTransposed(y, x, w, 0);                    // y = x Wᵀ
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Tensor x) {
        Tensor w = sampling ? sampled : mean.value();
        if (sampling && sampled == null) {
            throw new IllegalStateException(mean.name() + ": backward in sampling mode before a sampled forward");
        }
        Tensor d = Tensor.zeros(precision(), outFeatures(), inFeatures());
        MatMul.addTransposedTimes(d, dy, x);                    // D = dyᵀ x
        Tensor dm = mean.gradient();
        if (sampling) {
            Tensor lv = logVariance.value(), dlv = logVariance.gradient();
            for (int i = 0; i < d.size(); i++) {
                double g = d.get(i);
                dm.set(i, dm.get(i) + g);                                                   // dμ += D
                dlv.set(i, dlv.get(i) + g * noise.get(i) * 0.5 * Math.exp(0.5 * lv.get(i))); // d log σ² += D ε σ/2
            }
        } else {
            for (int i = 0; i < d.size(); i++) {
                dm.set(i, dm.get(i) + d.get(i));
            }
        }
        Tensor dx = x.zerosLike();
        MatMul.times(dx, dy, w, 0);                             // dx = dy W
        return dx;
    }

    /**
     * Adds {@code scale · Σ [E[ρ]·(μ² + σ²)/2 − ½ log σ²]} (the weights' part of the negative ELBO, up to constants) to
     * the gradients of μ and log σ², and returns its value.
     */
    public double addPriorTerm(double scale) {
        Tensor m = mean.value(), lv = logVariance.value();
        Tensor dm = mean.gradient(), dlv = logVariance.gradient();
        double sum = 0;
        for (int i = 0; i < m.size(); i++) {
            double mu = m.get(i), logVar = lv.get(i), variance = Math.exp(logVar), rho = precision[i];
            sum += rho * (mu * mu + variance) / 2 - logVar / 2;
            dm.set(i, dm.get(i) + scale * rho * mu);
            dlv.set(i, dlv.get(i) + scale * (rho * variance / 2 - 0.5));
        }
        return scale * sum;
    }

    /** The posterior means μ. */
    @Override
    public Tensor toDense() {
        return mean.value().copy();
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(mean, logVariance);
    }
}
