package org.lowrank4j.adapt.lora;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.StepBuffers;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;
import org.lowrank4j.nn.weight.WeightFactorization;

/**
 * A frozen weight W0 (any {@link WeightFactorization}: dense, low-rank, …) plus named LoRA updates (spec 01):
 * <pre>
 *   y(N,out) = x·W0ᵀ + Σ_k s_k · (drop(x)·A_kᵀ)·B_kᵀ       A_k (r_k,in), B_k (out,r_k), s_k = α_k/r_k (rsLoRA α_k/√r_k)
 * </pre>
 * over the adapters that are active and not merged, while adapters are enabled. Only the adapters' A and B are
 * {@link #parameters()}; the backward pass computes {@code dx = dy·W0} without a gradient for W0, and per branch
 * (G = dy, X̃ = drop(x), H = X̃·Aᵀ):
 * <pre>
 *   dB(out,r) += s·Gᵀ·H        dA(r,in) += s·(G·B)ᵀ·X̃        dx(N,in) += s·((G·B)·A) ⊙ keep
 * </pre>
 * where keep is 0 or 1/(1−p) per entry of x. B·A is never formed while training: a branch costs O(N·r·(in+out)).
 *
 * <p>{@link #merge} adds s·B·A into a dense copy of W0 (refusing a result that is not finite) and {@link #unmerge}
 * puts the original W0 back, bit for bit. The layer keeps the latest forward's mask and projection for its backward,
 * so a backward must follow the forward on the same input when dropout is on.
 *
 * <p>For serving, {@link #route} gives each sequence of a batch its own adapter (Punica and S-LoRA's per-row adapters):
 * the base product runs once over every row, and each adapter's branch over the rows of the sequences that use it.
 */
public final class LoraWeight implements WeightFactorization {
    private final String module;                                           // the layer's module path, e.g. model.layers.0.self_attn.q_proj
    private WeightFactorization base;                                      // W0 (out, in), or W0 + merged updates
    private WeightFactorization unmerged;                                  // the original W0 while something is merged, else null
    private final Map<String, LoraAdapter> adapters = new LinkedHashMap<>();
    private final Set<String> active = new LinkedHashSet<>();
    private final Set<String> merged = new LinkedHashSet<>();
    private boolean enabled = true;
    private final Dropout dropout;
    private final String maskKey;                                          // whose dropout masks: the module, or the fused module it is part of
    private String[] routes;                                               // per sequence: its adapter (null: base alone); null: not routed

    private Tensor lastInput;                                              // x of the latest forward
    private java.util.function.Consumer<Tensor> inputObserver;             // sees every forward's x (calibration), or null
    private java.util.function.Consumer<Tensor> gradientObserver;          // sees every backward's dy (calibration), or null
    private final Map<String, Tensor[]> lastBranches = new HashMap<>();    // adapter -> {keep (or null), X̃, H (N, r)}
    private final Map<String, StepBuffers.Slot[]> branchBuffers = new HashMap<>(); // adapter -> keep, X̃, H, G, G·A (in a training step)

    /**
     * @param module  the module path, used in messages and parameter names
     * @param base    the frozen weight W0
     * @param dropout the mask source shared by a model's layers (null: never any dropout)
     */
    public LoraWeight(String module, WeightFactorization base, Dropout dropout) {
        this(module, base, dropout, module);
    }

    /**
     * @param maskKey whose dropout masks this layer draws: the parts of one fused checkpoint module (GPT-2's c_attn) give
     *                its path, so that they drop the same inputs, as PEFT's one adapter on the fused module does
     */
    public LoraWeight(String module, WeightFactorization base, Dropout dropout, String maskKey) {
        if (base instanceof LoraWeight) {
            throw new IllegalArgumentException(module + " already carries LoRA adapters; add another adapter to it instead");
        }
        this.module = module;
        this.base = base;
        this.dropout = dropout == null ? new Dropout(0) : dropout;
        this.maskKey = maskKey;
    }

    public String module() {
        return module;
    }

    /** The frozen weight W0 (the original one, also while adapters are merged). */
    public WeightFactorization base() {
        return unmerged != null ? unmerged : base;
    }

    /** Adds an adapter (active from now on). */
    public void addAdapter(LoraAdapter adapter) {
        if (adapters.containsKey(adapter.name())) {
            throw new IllegalArgumentException(module + " already has an adapter named " + adapter.name());
        }
        if (adapter.inFeatures() != inFeatures() || adapter.outFeatures() != outFeatures() || adapter.a().value().precision() != precision()) {
            throw new IllegalArgumentException(module + ": adapter " + adapter.name() + " has lora_A " + adapter.a().value().shapeString()
                    + " and lora_B " + adapter.b().value().shapeString() + " but the layer is " + outFeatures() + "x" + inFeatures()
                    + " (lora_A must be (r, " + inFeatures() + "), lora_B (" + outFeatures() + ", r))");
        }
        int limit = Math.min(inFeatures(), outFeatures());
        if (adapter.rank() > limit) {
            throw new IllegalArgumentException(module + ": adapter " + adapter.name() + " has rank " + adapter.rank()
                    + ", above min(in, out) = " + limit + " of this " + outFeatures() + "x" + inFeatures() + " layer");
        }
        adapters.put(adapter.name(), adapter);
        active.add(adapter.name());
    }

    /** Removes an adapter (unmerging first if it is merged). */
    public LoraAdapter removeAdapter(String name) {
        LoraAdapter adapter = require(name);
        if (merged.contains(name)) {
            unmerge();
        }
        adapters.remove(name);
        active.remove(name);
        branchBuffers.remove(name);
        return adapter;
    }

    public LoraAdapter adapter(String name) {
        return adapters.get(name);
    }

    /** The adapters by name, in the order they were added. */
    public Map<String, LoraAdapter> adapters() {
        return Collections.unmodifiableMap(adapters);
    }

    /** Which adapters run (the others keep their values and are not trained). */
    public void setActive(Set<String> names) {
        for (String name : names) {
            require(name);
        }
        active.clear();
        active.addAll(names);
    }

    public Set<String> activeAdapters() {
        return Collections.unmodifiableSet(active);
    }

    /** Turns every branch off (the base alone) or back on, without changing which adapters are active. */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public boolean enabled() {
        return enabled;
    }

    public Set<String> mergedAdapters() {
        return Collections.unmodifiableSet(merged);
    }

    /**
     * Adds {@code s·B·A} of the named adapter into a dense copy of W0 (float arithmetic of the layer's precision);
     * the adapter's branch stops running.
     *
     * @throws IllegalArgumentException when the merged weight would hold NaN or infinite values (nothing changes)
     */
    public void merge(String name) {
        LoraAdapter adapter = require(name);
        if (merged.contains(name)) {
            return;
        }
        if (routes != null) {
            throw new IllegalStateException(module + ": sequences are routed to adapters; route(null) before merging " + name);
        }
        Tensor w = base.toDense(); // a copy (out, in)
        MatMul.gemm(adapter.scale(), adapter.b().value().matrix(), adapter.a().value().matrix(), 1, w.matrix()); // W += s·B·A
        for (int i = 0; i < w.size(); i++) {
            if (!Double.isFinite(w.get(i))) {
                throw new IllegalArgumentException(module + ": merging adapter " + name + " gives a non-finite weight (entry " + i / inFeatures()
                        + "," + i % inFeatures() + " = " + w.get(i) + "); the layer is left unmerged");
            }
        }
        if (unmerged == null) {
            unmerged = base;
        }
        base = new DenseWeight(new Parameter(module + ".weight", w));
        merged.add(name);
    }

    /** Puts the original W0 back (bit for bit); every merged adapter runs as a branch again. */
    public void unmerge() {
        if (unmerged != null) {
            base = unmerged;
            unmerged = null;
        }
        merged.clear();
    }

    /** The weight with every merged update in it: W0 when nothing is merged. */
    public WeightFactorization mergedBase() {
        return base;
    }

    /** ΔW(out,in) = s·B·A of one adapter, dense (for tests and inspection; training never forms it). */
    public Tensor delta(String name) {
        LoraAdapter adapter = require(name);
        Tensor d = Tensor.zeros(precision(), outFeatures(), inFeatures());
        MatMul.gemm(adapter.scale(), adapter.b().value().matrix(), adapter.a().value().matrix(), 0, d.matrix());
        return d;
    }

    private LoraAdapter require(String name) {
        LoraAdapter adapter = adapters.get(name);
        if (adapter == null) {
            throw new IllegalArgumentException(module + " has no adapter named " + name + " (it has " + adapters.keySet() + ")");
        }
        return adapter;
    }

    /** The adapters whose branch runs now. */
    private List<LoraAdapter> branches() {
        List<LoraAdapter> out = new ArrayList<>();
        if (enabled) {
            for (String name : active) {
                if (!merged.contains(name)) {
                    out.add(adapters.get(name));
                }
            }
        }
        return out;
    }

    @Override
    public int inFeatures() {
        return base.inFeatures();
    }

    @Override
    public int outFeatures() {
        return base.outFeatures();
    }

    @Override
    public Precision precision() {
        return base.precision();
    }

    /** x (..., in) -> y (..., out). */
    @Override
    public Tensor forward(Tensor x) {
        Tensor y = newOutput(module, x); // (N, out)
        forwardInto(y, x);
        return y;
    }

    /**
     * Inference with a different adapter per sequence: from now on the rows of every input are split evenly into
     * {@code perSequence.length} sequences, in order (a (B, T, in) input has B of T rows), and sequence b runs the base
     * plus adapter {@code perSequence[b]} alone, or the base alone where that is null or this layer lacks the adapter.
     * Consecutive sequences with the same adapter share its two products. Active sets and {@link #setEnabled} do not
     * apply while routed, and backward is refused. Null returns to the active adapters.
     *
     * @throws IllegalStateException while an adapter is merged into the base (every sequence would run it)
     */
    public void route(String[] perSequence) {
        if (perSequence != null && !merged.isEmpty()) {
            throw new IllegalStateException(module + ": adapters " + merged + " are merged into the base, so every sequence would run them;"
                    + " unmerge before routing sequences to adapters");
        }
        this.routes = perSequence == null ? null : perSequence.clone();
    }

    @Override
    public void forwardInto(Tensor y, Tensor x) {
        checkInput(module, x);
        base.forwardInto(y, x);
        if (routes != null) {
            forwardRouted(y, x);
            return;
        }
        lastInput = x;
        if (inputObserver != null) {
            inputObserver.accept(x);
        }
        lastBranches.clear();
        for (LoraAdapter adapter : branches()) {
            Tensor[] branch = branchInput(adapter, x);
            Tensor h = branch[2];
            MatMul.gemm(adapter.scale(), h.matrix(), adapter.b().value().matrix().transpose(), 1,
                    y.matrix(h.dim(0), outFeatures()));              // y += s·H·Bᵀ (s applied inside the product, no copy of H)
            lastBranches.put(adapter.name(), branch);
        }
    }

    /** Each run of consecutive sequences with the same adapter adds that adapter's branch over the run's rows. */
    private void forwardRouted(Tensor y, Tensor x) {
        lastInput = null;
        lastBranches.clear();
        int rows = x.size() / inFeatures(), sequences = routes.length;
        if (rows % sequences != 0) {
            throw new IllegalArgumentException(module + ": " + rows + " input rows do not split into the " + sequences
                    + " sequences the adapters are routed to");
        }
        int per = rows / sequences;
        var xm = x.matrix(rows, inFeatures());
        var ym = y.matrix(rows, outFeatures());
        for (int b = 0; b < sequences; ) {
            int end = b + 1;
            while (end < sequences && java.util.Objects.equals(routes[end], routes[b])) {
                end++;
            }
            LoraAdapter adapter = routes[b] == null ? null : adapters.get(routes[b]);
            if (adapter != null) {
                int r0 = b * per, r1 = end * per;
                Tensor h = Tensor.zeros(precision(), r1 - r0, adapter.rank());
                MatMul.gemm(1, xm.rowRange(r0, r1), adapter.a().value().matrix().transpose(), 0, h.matrix()); // H = X Aᵀ
                MatMul.gemm(adapter.scale(), h.matrix(), adapter.b().value().matrix().transpose(), 1, ym.rowRange(r0, r1)); // y += s·H Bᵀ
            }
            b = end;
        }
    }

    /** {keep mask (or null), X̃ = x ⊙ keep (x itself without dropout), H(N,r) = X̃·Aᵀ} for one branch. */
    private Tensor[] branchInput(LoraAdapter adapter, Tensor x) {
        StepBuffers.Slot[] buffers = buffersOf(adapter);
        Tensor keep = null;
        Tensor used = x;
        if (dropout.training() && adapter.dropout() > 0) {
            keep = buffers[KEEP].take(x.precision(), x.shape()); // both written in full
            used = buffers[USED].take(x.precision(), x.shape());
            Elementwise.dropout(dropout.random(maskKey, adapter.name()), adapter.dropout(), x, keep, used);
        }
        Tensor h = buffers[H].take(precision(), x.size() / inFeatures(), adapter.rank()); // written by the product
        MatMul.timesTransposed(h, used, adapter.a().value(), 0); // H(N,r) = X̃ Aᵀ
        return new Tensor[] {keep, used, h};
    }

    private static final int KEEP = 0, USED = 1, H = 2, G = 3, GA = 4;

    /** The branch's buffers kept from one training step to the next ({@link StepBuffers}; outside a step, new tensors). */
    private StepBuffers.Slot[] buffersOf(LoraAdapter adapter) {
        return branchBuffers.computeIfAbsent(adapter.name(), name -> new StepBuffers.Slot[] {new StepBuffers.Slot(), new StepBuffers.Slot(),
                new StepBuffers.Slot(), new StepBuffers.Slot(), new StepBuffers.Slot()});
    }

    /** Hands every later forward's input x (..., in) to {@code observer} (statistics for calibration); null stops it. */
    public void observeInputs(java.util.function.Consumer<Tensor> observer) {
        this.inputObserver = observer;
    }

    /** Hands every later backward's output gradient dy (..., out) to {@code observer} (calibration); null stops it. */
    public void observeOutputGradients(java.util.function.Consumer<Tensor> observer) {
        this.gradientObserver = observer;
    }

    /** dy (..., out) and the forward input x -> dx (..., in); adds into the adapters' gradients only. */
    @Override
    public Tensor backward(Tensor dy, Tensor x) {
        Tensor dx = x.zerosLike();
        backwardInto(dx, dy, x, false);
        return dx;
    }

    @Override
    public void backwardInto(Tensor dx, Tensor dy, Tensor x, boolean accumulate) {
        FrozenWeight.inputGradientInto(base, dx, dy, x, accumulate); // dx = dy W0 (+ dx), no gradient for W0
        branchGradients(dx, dy, x);
    }

    /** The adapters' gradients only: neither W0's product nor the branches' add to dx. */
    @Override
    public void parameterGradients(Tensor dy, Tensor x) {
        branchGradients(null, dy, x);
    }

    /** dB and dA of every running branch; with {@code dx} not null, each branch's input gradient added into it. */
    private void branchGradients(Tensor dx, Tensor dy, Tensor x) {
        if (routes != null) {
            throw new IllegalStateException(module + ": sequences are routed to adapters (inference); route(null) before training");
        }
        if (gradientObserver != null) {
            gradientObserver.accept(dy);
        }
        for (LoraAdapter adapter : branches()) {
            Tensor[] saved = x == lastInput ? lastBranches.get(adapter.name()) : null;
            if (saved == null) {
                if (dropout.training() && adapter.dropout() > 0) {
                    throw new IllegalStateException(module + ": backward on an input other than the latest forward's, with dropout on");
                }
                saved = branchInput(adapter, x);
            }
            Tensor keep = saved[0], used = saved[1], h = saved[2];
            double s = adapter.scale();
            int n = h.dim(0);
            var dym = dy.matrix(n, outFeatures());
            MatMul.gemm(s, dym.transpose(), h.matrix(), 1, adapter.b().gradient().matrix());   // dB(out,r) += s·dyᵀ H
            StepBuffers.Slot[] buffers = buffersOf(adapter);
            Tensor g = buffers[G].take(precision(), n, adapter.rank());
            MatMul.gemm(s, dym, adapter.b().value().matrix(), 0, g.matrix());               // G(N,r) = s·dy B
            MatMul.addTransposedTimes(adapter.a().gradient(), g, used);                     // dA(r,in) += Gᵀ X̃
            if (dx == null) {
                continue;
            }
            if (keep == null) {
                MatMul.times(dx, g, adapter.a().value(), 1);                                // dx += G A
            } else {
                Tensor dxBranch = buffers[GA].take(x.precision(), x.shape());
                MatMul.times(dxBranch, g, adapter.a().value(), 0);                          // (N,in) = G A
                Elementwise.addProduct(dx, dxBranch, keep);                                 // dx += (G A) ⊙ keep
            }
        }
        lastInput = null;
        lastBranches.clear();
    }

    /** W0 plus every running branch's s·B·A, dense (out, in). */
    @Override
    public Tensor toDense() {
        Tensor w = base.toDense();
        for (LoraAdapter adapter : branches()) {
            MatMul.gemm(adapter.scale(), adapter.b().value().matrix(), adapter.a().value().matrix(), 1, w.matrix());
        }
        return w;
    }

    /** A and B of every active, unmerged adapter: what is trained. */
    @Override
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>();
        for (String name : active) {
            if (!merged.contains(name)) {
                out.addAll(adapters.get(name).parameters());
            }
        }
        return out;
    }
}
