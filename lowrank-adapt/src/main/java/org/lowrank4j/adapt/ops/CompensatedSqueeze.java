package org.lowrank4j.adapt.ops;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lowrank4j.adapt.lora.LoraAdapter;
import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.adapt.lora.LoraWeight;
import org.lowrank4j.adapt.peft.LoraFactors;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.decomposition.ProductSvd;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaLanguageModel;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.block.PreNormBlock;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.TokenWindows;

/**
 * The calibrated squeeze, module after module, each one compensating for the error of the squeezes before it (the
 * cumulative-error compensation of sequential compression, applied to an adapter's update).
 *
 * <p>{@link Squeeze}'s calibrated forms truncate every module's update on its own, over the inputs the unsqueezed adapter
 * gives it. Once the modules before it are squeezed, though, a module sees other inputs X̃ instead of X. This squeeze
 * runs in the model's order. For each group of modules that read one input (q, k and v; o), it runs the group's block
 * twice on every calibration window: through the original adapter, which gives X, and through the adapter as squeezed
 * so far, which gives X̃. (Each window's input to that block is kept for both, so earlier blocks do not run again.)
 * Then each module of the group gets the rank-k update ΔW' that brings its outputs back to what the original adapter
 * gave, X·Wᵀ with W = W0 + ΔW, from the inputs it now sees:
 * <pre>
 *   min ‖(X·Wᵀ − X̃·(W0 + ΔW')ᵀ)·R‖²,   solved by truncating Rᵀ·T·L, with
 *   T = ΔW + W·(C − G)·(G + λI)⁻¹,   G = X̃ᵀX̃/n,   C = XᵀX̃/n,   L·Lᵀ = G + λI
 * </pre>
 * T is the unconstrained least-squares update (it is ΔW itself while X̃ = X, so the first group is squeezed exactly as
 * the one-module-at-a-time squeeze does). R·Rᵀ is the Gram matrix of the loss's gradients at the module's outputs (the
 * Fisher weighting, gathered once on the original adapter) or the identity. T is dense (out × in), so unlike the other
 * forms this one forms each module's update; one module's at a time.
 *
 * <p>The ranks are those the one-module squeeze chooses for the same target (so a budget is spent as it would be there),
 * and the result's singular values are those of each module's Rᵀ·T·L.
 */
public final class CompensatedSqueeze {
    private static final String ORIGINAL = "original";
    private static final String SQUEEZED = "squeezed";
    private static final java.util.regex.Pattern LAYER = java.util.regex.Pattern.compile("(?:^|\\.)layers\\.(\\d+)\\.");

    private CompensatedSqueeze() {
    }

    /**
     * @param model    a fresh decoder with the adapter's base weights (it carries both adapters afterwards)
     * @param adapter  the adapter to squeeze (checked against the model as any attach is)
     * @param target   the rank, energy share or budget
     * @param tokens   calibration tokens (not the text an evaluation will score)
     * @param windows  at most this many windows of the model's context
     * @param fisher   weight each module's output error by the loss's gradients there (else by nothing)
     * @param progress told of each calibration window, then of each group of modules; may be null
     */
    public static Squeeze.Result apply(LlamaModel model, PeftAdapter adapter, Squeeze.Target target, int[] tokens, int windows,
            boolean fisher, SqueezeProgress progress) {
        SqueezeCalibration.checkWindows(model, tokens, windows); // before the model is touched
        LoraModel lora = SqueezeCalibration.attach(model, adapter, ORIGINAL, "a compensated squeeze");
        SqueezeCalibration.Grams grams = SqueezeCalibration.grams(model, lora, tokens, windows, fisher, progress);
        Map<String, Squeeze.ModuleReport> alone = Squeeze.apply(adapter, target, grams.inputs(), grams.outputGradients()).modules();

        List<TokenWindows.Batch> batches = SqueezeCalibration.windows(model, tokens, windows);
        LlamaLanguageModel language = new LlamaLanguageModel(model);
        Map<String, LoraWeight> layers = lora.adaptedLayers();
        List<List<String>> groups = groups(layers, language, batches.get(0));
        boolean rslora = adapter.config().useRslora();
        Map<String, LoraFactors> out = new LinkedHashMap<>();
        Map<String, Squeeze.ModuleReport> reports = new LinkedHashMap<>();
        // Each window's input to block `held`, through the original adapter and through the adapter as squeezed so far. A group
        // runs its own block only, from these, and they move one block on once every group before the next block is done:
        // each block runs a fixed number of times however deep the model is.
        List<Tensor> originalStates = new ArrayList<>();
        List<Tensor> squeezedStates = new ArrayList<>();
        for (TokenWindows.Batch b : batches) {
            int[] ids = b.inputs()[0];
            Tensor x = model.tokenEmbedding().lookup(ids, null, 1, ids.length, 0);
            originalStates.add(x);
            squeezedStates.add(x.copy());
        }
        int held = 0;
        for (int g = 0; g < groups.size(); g++) {
            List<String> group = groups.get(g);
            LoraWeight first = layers.get(group.get(0));
            int in = first.inFeatures();
            int block = blockOf(group.get(0));
            for (; held < block; held++) {
                advance(model.block(held), layers, out.keySet(), originalStates, squeezedStates);
            }
            DoubleMatrix gram = DoubleMatrix.zeros(in, in);  // X̃ᵀX̃
            DoubleMatrix cross = DoubleMatrix.zeros(in, in); // XᵀX̃
            DoubleMatrix[] seen = new DoubleMatrix[1];
            first.observeInputs(x -> seen[0] = x.matrix(x.size() / in, in).toDouble().copy()); // layers reuse x's buffer
            long n = 0;
            for (int w = 0; w < batches.size(); w++) {
                seen[0] = null;
                activate(layers, out.keySet(), false);
                model.block(block).forward(originalStates.get(w), null);
                DoubleMatrix original = seen[0];
                activate(layers, out.keySet(), true);
                model.block(block).forward(squeezedStates.get(w), null);
                DoubleMatrix now = seen[0];
                if (original == null || now == null) {
                    throw new IllegalStateException(group.get(0) + " is not run by block " + block + " of the model");
                }
                Linalg.backend().addGram(now, gram);
                Linalg.backend().gemm(1, original.transpose(), now, 1, cross);
                n += now.rows();
            }
            first.observeInputs(null);
            scale(gram, 1.0 / n);
            scale(cross, 1.0 / n);
            DoubleMatrix l = Squeeze.whitener(group.get(0), gram, in, "input"); // L·Lᵀ = G + λI, one for the group's shared input
            for (String module : group) {
                LoraFactors f = adapter.modules().get(module);
                Module squeezed = squeezeModule(module, layers.get(module).base().toDense().matrix().toDouble(), f, rslora,
                        alone.get(module).toRank(), gram, l, cross, fisher ? grams.outputGradients().get(module) : null);
                LoraFactors kept = squeezed.factors();
                out.put(module, kept);
                lora.add(module, new LoraAdapter(SQUEEZED, tensor(module, "lora_A", kept.a(), kept.rank(), f.in()),
                        tensor(module, "lora_B", kept.b(), f.out(), kept.rank()), kept.alpha(), rslora, 0));
                reports.put(module, squeezed.report());
            }
            if (progress != null) {
                progress.update(SqueezeProgress.GROUPS, g + 1, groups.size());
            }
        }
        Map<String, LoraFactors> ordered = new LinkedHashMap<>(); // the adapter's own module order
        Map<String, Squeeze.ModuleReport> orderedReports = new LinkedHashMap<>();
        for (String module : adapter.modules().keySet()) {
            ordered.put(module, out.get(module));
            orderedReports.put(module, reports.get(module));
        }
        return new Squeeze.Result(new PeftAdapter(Squeeze.configFor(adapter.config(), ordered), ordered), orderedReports);
    }

    /** One module's squeezed factors and what was kept. */
    record Module(LoraFactors factors, Squeeze.ModuleReport report) {
    }

    /**
     * One module's compensated squeeze: the rank-k truncation of Rᵀ·T·L (T as in the class comment), mapped back and
     * refactored into balanced factors as {@link Squeeze} does.
     *
     * @param w0           the module's frozen weight (out × in)
     * @param gram         G = X̃ᵀX̃/n of the inputs it now sees
     * @param l            the whitener of G: L·Lᵀ = G + λI ({@link Squeeze#whitener})
     * @param cross        C = XᵀX̃/n, the inputs the original adapter gave it against those
     * @param gradientGram the Gram matrix of the loss's gradients at its outputs, or null for the unweighted form
     */
    static Module squeezeModule(String module, DoubleMatrix w0, LoraFactors f, boolean rslora, int k, DoubleMatrix gram, DoubleMatrix l,
            DoubleMatrix cross, DoubleMatrix gradientGram) {
        double s = LoraAdapter.scale(f.alpha(), f.rank(), rslora);
        DoubleMatrix delta = Linalg.multiply(Squeeze.matrix(f.b(), f.out(), f.rank()), Squeeze.matrix(f.a(), f.rank(), f.in()));
        scale(delta, s);                                                               // ΔW = s·B·A
        DoubleMatrix w = w0.copy();                                                    // W = W0 + ΔW
        add(w, delta, 1);
        DoubleMatrix shift = cross.copy();                                             // C − G
        add(shift, gram, -1);
        // (W·(C − G)·(G + λI)⁻¹)ᵀ = L⁻ᵀ·L⁻¹·(C − G)ᵀ·Wᵀ
        DoubleMatrix rhs = Linalg.multiply(shift.transpose(), w.transpose());
        DoubleMatrix solved = Linalg.backend().solveTriangular(l, true, true, Linalg.backend().solveTriangular(l, true, false, rhs));
        DoubleMatrix t = delta;                                                        // T = ΔW + W·(C − G)·(G + λI)⁻¹
        add(t, solved.transpose(), 1);
        DoubleMatrix weighted = Linalg.multiply(t, l);                                 // T·L
        DoubleMatrix r = null;
        if (gradientGram != null) {
            r = Squeeze.whitener(module, gradientGram, f.out(), "output-gradient");
            weighted = Linalg.multiply(r.transpose(), weighted);                       // Rᵀ·T·L
        }
        SvdResult full = Linalg.backend().svd(weighted);
        int rank = Math.max(1, Math.min(k, full.s().length));
        SvdResult kept = Squeeze.weightedBack(full, rank, r, l, f, new ProductSvd());
        double[] sigma = full.s();
        return new Module(Squeeze.factors(kept, rank, f, rslora), new Squeeze.ModuleReport(f.rank(), rank, sigma, Squeeze.energy(sigma, rank)));
    }

    /**
     * The adapted modules in the order the forward reaches them, grouped where consecutive modules read one tensor (q, k
     * and v; gate and up).
     */
    private static List<List<String>> groups(Map<String, LoraWeight> layers, LlamaLanguageModel language, TokenWindows.Batch batch) {
        List<String> order = new ArrayList<>();
        List<Tensor> inputs = new ArrayList<>();
        for (Map.Entry<String, LoraWeight> e : layers.entrySet()) {
            String module = e.getKey();
            e.getValue().observeInputs(x -> {
                if (!order.contains(module)) {
                    order.add(module);
                    inputs.add(x);
                }
            });
        }
        language.loss(batch.inputs(), batch.targets());
        for (LoraWeight w : layers.values()) {
            w.observeInputs(null);
        }
        List<List<String>> groups = new ArrayList<>();
        for (int i = 0; i < order.size(); i++) {
            if (i == 0 || inputs.get(i) != inputs.get(i - 1)) {
                groups.add(new ArrayList<>());
            }
            groups.get(groups.size() - 1).add(order.get(i));
        }
        return groups;
    }

    /** The block that runs a module ({@code model.layers.N.}); every projection an adapter can target sits in one. */
    static int blockOf(String module) {
        java.util.regex.Matcher m = LAYER.matcher(module);
        if (!m.find()) {
            throw new IllegalArgumentException(module + " is not a module of a decoder block (model.layers.N.…)");
        }
        return Integer.parseInt(m.group(1));
    }

    /** Moves every window's two states through {@code block}: the original adapter for one, the squeezed modules for the other. */
    private static void advance(PreNormBlock block, Map<String, LoraWeight> layers, Set<String> squeezed, List<Tensor> original,
            List<Tensor> now) {
        activate(layers, squeezed, false);
        for (int w = 0; w < original.size(); w++) {
            original.set(w, block.forward(original.get(w), null).copy());
        }
        activate(layers, squeezed, true);
        for (int w = 0; w < now.size(); w++) {
            now.set(w, block.forward(now.get(w), null).copy());
        }
    }

    /** Every module runs its original adapter, or (with {@code squeezedSoFar}) the squeezed one where it has one. */
    private static void activate(Map<String, LoraWeight> layers, Set<String> squeezed, boolean squeezedSoFar) {
        for (Map.Entry<String, LoraWeight> e : layers.entrySet()) {
            e.getValue().setActive(Set.of(squeezedSoFar && squeezed.contains(e.getKey()) ? SQUEEZED : ORIGINAL));
        }
    }

    private static Parameter tensor(String module, String factor, float[] values, int rows, int cols) {
        Tensor t = Tensor.zeros(Precision.FLOAT32, rows, cols);
        for (int i = 0; i < values.length; i++) {
            t.set(i, values[i]);
        }
        return new Parameter(LoraAdapter.parameterName(module, factor, SQUEEZED), t);
    }

    private static void scale(DoubleMatrix m, double by) {
        double[] d = m.data();
        for (int i = 0; i < d.length; i++) {
            d[i] *= by;
        }
    }

    private static void add(DoubleMatrix to, DoubleMatrix m, double by) {
        for (int i = 0; i < to.rows(); i++) {
            for (int j = 0; j < to.cols(); j++) {
                to.set(i, j, to.get(i, j) + by * m.get(i, j));
            }
        }
    }
}
