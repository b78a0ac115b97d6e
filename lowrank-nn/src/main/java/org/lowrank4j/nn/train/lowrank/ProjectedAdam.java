package org.lowrank4j.nn.train.lowrank;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.AdamW;
import org.lowrank4j.nn.train.GradientClipping;
import org.lowrank4j.nn.train.Optimizer;

/**
 * Adam whose moments live in a rank-r projection of each projected matrix's gradient (GaLore, arXiv:2403.03507, and
 * the methods built on it). For a projected weight W (m×n) with gradient G, a basis B is chosen every {@code gap}
 * steps (at steps 0, gap, 2·gap, … counted before the update) by the subclass: B is r×n on the right when m ≥ n and
 * m×r on the left otherwise. Each step, with t the update count after this step:
 * <pre>
 *   g = G·Bᵀ (m×r)  or  Bᵀ·G (r×n)
 *   M ← β₁M + (1−β₁)g ;  V ← β₂V + (1−β₂)g²        (kept across basis changes, as in the reference)
 *   N = M / (sqrt(V) + ε)
 *   U = α·(N·B  or  B·N)                              (+ a subclass's extra term: Fira's residual)
 *   W ← W − η·(sqrt(1−β₂ᵗ)/(1−β₁ᵗ))·U ;  then W ← W − η·λ·W   (decay after the update, as in GaLore's AdamW)
 * </pre>
 * With {@link ProjectionSettings#rotate()} the moments follow a basis change instead (the DCT paper's
 * {@code rotate_subspace}): with the old basis B₀ and the new B₁, R = B₀·B₁ᵀ (r×r) and M ← M·R, V ← |V·R| on the
 * right; R = B₁ᵀ·B₀ and M ← R·M, V ← |R·V| on the left. For DCT bases R only moves the moments of the columns
 * both choices share and zeroes the others.
 * <p>
 * Every other parameter (embeddings, norms, biases, and any matrix the selector leaves out) is updated by a plain
 * {@link AdamW} with the same settings. The state — moments, bases (or whatever a subclass stores), counters — is in
 * {@link #state()}, so a checkpoint resumes bit for bit.
 */
public abstract class ProjectedAdam implements Optimizer {
    /** The 2-D weights of the blocks: rank-2 parameters whose name holds {@code .layers.} (attention and MLP projections). */
    public static final Predicate<Parameter> BLOCK_MATRICES = p -> p.value().rank() == 2 && p.name().contains(".layers.");

    /** One projected matrix and its low-rank state. */
    protected static final class Slot {
        final Parameter parameter;
        final int rows, cols, rank;
        /** m ≥ n: the basis is r×n and multiplies from the right. */
        final boolean right;
        final Tensor first, second;

        Slot(Parameter parameter, int rank) {
            this.parameter = parameter;
            this.rows = parameter.value().dim(0);
            this.cols = parameter.value().dim(1);
            this.rank = rank;
            this.right = rows >= cols;
            this.first = Tensor.zeros(parameter.value().precision(), lowRows(), lowCols());
            this.second = Tensor.zeros(parameter.value().precision(), lowRows(), lowCols());
        }

        /** Rows of the projected gradient g. */
        int lowRows() {
            return right ? rows : rank;
        }

        /** Columns of the projected gradient g. */
        int lowCols() {
            return right ? rank : cols;
        }

        /** Shape of the basis B: r×n on the right, m×r on the left. */
        int[] basisShape() {
            return right ? new int[] {rank, cols} : new int[] {rows, rank};
        }

        public String name() {
            return parameter.name();
        }
    }

    private final String method;
    private final ProjectionSettings projection;
    private final AdamW.Settings settings;
    private final AdamW rest;
    private final List<Parameter> parameters;
    private final List<Slot> slots = new ArrayList<>();
    private long step;
    private long choiceNanos, applyNanos;

    /**
     * @param method     the name checkpoints record
     * @param parameters everything to optimise; those {@code projected} selects get the low-rank state
     * @throws IllegalArgumentException when the rank is above a projected matrix's smaller dimension, naming it
     */
    protected ProjectedAdam(String method, List<Parameter> parameters, AdamW.Settings settings, ProjectionSettings projection,
            Predicate<Parameter> projected) {
        this.method = method;
        this.projection = projection;
        this.settings = settings;
        this.parameters = GradientClipping.distinct(parameters);
        List<Parameter> others = new ArrayList<>();
        for (Parameter p : this.parameters) {
            if (!projected.test(p)) {
                others.add(p);
                continue;
            }
            int m = p.value().dim(0), n = p.value().dim(1);
            if (projection.rank() > Math.min(m, n)) {
                throw new IllegalArgumentException(method + ": rank " + projection.rank() + " is above the dimensions of " + p.name()
                        + " (" + m + "×" + n + "); the rank must be at most " + Math.min(m, n) + " = min(out, in) of every block matrix");
            }
            slots.add(new Slot(p, projection.rank()));
        }
        this.rest = new AdamW(others, settings, AdamW.NORMS_AND_BIASES);
    }

    /** Chooses the basis of {@code slot} from its current gradient (called every {@code gap} steps, first at step 0). */
    protected abstract void chooseBasis(Slot slot, Tensor gradient);

    /** The current basis of {@code slot} (shape {@link Slot#basisShape()}). */
    protected abstract Tensor basis(Slot slot);

    /** The subclass's state tensors of {@code slot}, added to {@link #state()} under their names. */
    protected abstract Map<String, Tensor> slotState(Slot slot);

    /**
     * A term added to the update U = α·back(N) (Fira's scaled residual); nothing by default.
     *
     * @param gradient the full gradient G
     * @param low      the projected gradient g
     * @param adam     N = M / (sqrt(V) + ε), same shape as g
     * @param update   U, to add into
     */
    protected void addToUpdate(Slot slot, Tensor gradient, Tensor low, Tensor adam, Tensor update) {
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public List<Parameter> parameters() {
        return parameters;
    }

    /** The matrices with a projected state, in model order. */
    public List<Parameter> projectedParameters() {
        return slots.stream().map(s -> s.parameter).toList();
    }

    public ProjectionSettings projection() {
        return projection;
    }

    @Override
    public long stepCount() {
        return step;
    }

    @Override
    public void setStepCount(long stepCount) {
        if (stepCount < 0) {
            throw new IllegalArgumentException(method + " step count must be non-negative, got " + stepCount);
        }
        step = stepCount;
        rest.setStepCount(stepCount);
    }

    /** AdamW's moments of the other parameters, then per projected matrix {@code lowrank.m.}, {@code lowrank.v.} and the subclass's. */
    @Override
    public Map<String, Tensor> state() {
        Map<String, Tensor> out = new LinkedHashMap<>(rest.state());
        for (Slot s : slots) {
            out.put("lowrank.m." + s.name(), s.first);
            out.put("lowrank.v." + s.name(), s.second);
            out.putAll(slotState(s));
        }
        return out;
    }

    /** Seconds spent choosing bases (SVD or DCT selection) and applying them (projections and back-projections). */
    @Override
    public Map<String, Double> secondsSpent() {
        return Map.of("projection_choice", choiceNanos / 1e9, "projection_apply", applyNanos / 1e9);
    }

    @Override
    public void step(double learningRate) {
        if (!(learningRate >= 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException(method + " needs a finite non-negative learning rate, got " + learningRate);
        }
        boolean choose = step % projection.gap() == 0;
        boolean rotate = choose && projection.rotate() && step > 0;
        rest.step(learningRate);
        step++;
        double c1 = 1 - Math.pow(settings.beta1(), step);
        double c2 = 1 - Math.pow(settings.beta2(), step);
        double stepSize = learningRate * Math.sqrt(c2) / c1;
        for (Slot s : slots) {
            Tensor gradient = s.parameter.gradient();
            if (choose) {
                long start = System.nanoTime();
                Tensor previous = rotate ? basis(s).copy() : null;
                chooseBasis(s, gradient);
                if (previous != null) {
                    rotateMoments(s, previous, basis(s));
                }
                choiceNanos += System.nanoTime() - start;
            }
            long start = System.nanoTime();
            Tensor low = project(s, gradient);
            applyNanos += System.nanoTime() - start;
            Tensor adam = moments(s, low);
            start = System.nanoTime();
            Tensor update = backProject(s, adam, projection.scale());
            applyNanos += System.nanoTime() - start;
            addToUpdate(s, gradient, low, adam, update);
            double decay = settings.weightDecay() > 0 && !AdamW.NORMS_AND_BIASES.test(s.name()) ? 1 - learningRate * settings.weightDecay() : 1;
            Tensor w = s.parameter.value();
            for (int i = 0; i < w.size(); i++) {
                w.set(i, (w.get(i) - stepSize * update.get(i)) * decay);
            }
        }
    }

    /** g = G·Bᵀ on the right, Bᵀ·G on the left. */
    protected final Tensor project(Slot s, Tensor gradient) {
        Tensor low = Tensor.zeros(gradient.precision(), s.lowRows(), s.lowCols());
        Tensor b = basis(s);
        if (s.right) {
            MatMul.gemm(1, gradient.matrix(s.rows, s.cols), b.matrix(s.rank, s.cols).transpose(), 0, low.matrix(s.rows, s.rank));
        } else {
            MatMul.gemm(1, b.matrix(s.rows, s.rank).transpose(), gradient.matrix(s.rows, s.cols), 0, low.matrix(s.rank, s.cols));
        }
        return low;
    }

    /** factor·N·B on the right, factor·B·N on the left (m×n). */
    protected final Tensor backProject(Slot s, Tensor low, double factor) {
        Tensor full = Tensor.zeros(low.precision(), s.rows, s.cols);
        Tensor b = basis(s);
        if (s.right) {
            MatMul.gemm(factor, low.matrix(s.rows, s.rank), b.matrix(s.rank, s.cols), 0, full.matrix(s.rows, s.cols));
        } else {
            MatMul.gemm(factor, b.matrix(s.rows, s.rank), low.matrix(s.rank, s.cols), 0, full.matrix(s.rows, s.cols));
        }
        return full;
    }

    /** Carries the slot's moments from the basis {@code from} into {@code to} (see the class comment). */
    private static void rotateMoments(Slot s, Tensor from, Tensor to) {
        Tensor r = Tensor.zeros(from.precision(), s.rank, s.rank);
        if (s.right) {
            MatMul.gemm(1, from.matrix(s.rank, s.cols), to.matrix(s.rank, s.cols).transpose(), 0, r.matrix(s.rank, s.rank));
        } else {
            MatMul.gemm(1, to.matrix(s.rows, s.rank).transpose(), from.matrix(s.rows, s.rank), 0, r.matrix(s.rank, s.rank));
        }
        for (Tensor moment : new Tensor[] {s.first, s.second}) {
            Tensor old = moment.copy();
            if (s.right) {
                MatMul.gemm(1, old.matrix(s.rows, s.rank), r.matrix(s.rank, s.rank), 0, moment.matrix(s.rows, s.rank));
            } else {
                MatMul.gemm(1, r.matrix(s.rank, s.rank), old.matrix(s.rank, s.cols), 0, moment.matrix(s.rank, s.cols));
            }
        }
        for (int i = 0; i < s.second.size(); i++) {
            s.second.set(i, Math.abs(s.second.get(i)));
        }
    }

    /** Updates the slot's moments with g and returns N = M / (sqrt(V) + ε) (no bias correction). */
    private Tensor moments(Slot s, Tensor low) {
        double b1 = settings.beta1(), b2 = settings.beta2(), eps = settings.epsilon();
        Tensor n = low.zerosLike();
        for (int i = 0; i < low.size(); i++) {
            double gi = low.get(i);
            s.first.set(i, b1 * s.first.get(i) + (1 - b1) * gi);
            s.second.set(i, b2 * s.second.get(i) + (1 - b2) * gi * gi);
            n.set(i, s.first.get(i) / (Math.sqrt(s.second.get(i)) + eps));
        }
        return n;
    }

    /** The projected matrices' slots, in model order. */
    protected final List<Slot> slots() {
        return slots;
    }
}
