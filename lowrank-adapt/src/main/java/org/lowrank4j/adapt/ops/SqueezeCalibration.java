package org.lowrank4j.adapt.ops;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.adapt.lora.LoraWeight;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.nn.arch.llama.LlamaLanguageModel;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.generate.Tokenizer;
import org.lowrank4j.nn.train.TokenWindows;

/**
 * The inputs an adapter's modules see (and the loss's gradients at their outputs), for {@link Squeeze}'s calibrated forms:
 * the decoder runs with the adapter attached over windows of calibration text, and each adapted module adds XᵀX of its
 * inputs up (float64), divided at the end by the number of tokens. Modules that read one input (q, k, v) share one
 * matrix. With the Fisher weighting (every base parameter frozen, so the backward computes only what reaches them), each
 * window also runs backward through the next-byte loss and each module adds DᵀD of the gradients at its outputs: the two
 * factors of K-FAC's approximation E[xxᵀ] ⊗ E[ddᵀ] of the loss's curvature in that module's weights.
 */
public final class SqueezeCalibration {
    private SqueezeCalibration() {
    }

    /**
     * Per module path, the Gram matrix of its inputs, XᵀX/n (in × in), and with the Fisher weighting also that of the
     * loss's gradients at its outputs, DᵀD/n (out × out); otherwise {@code outputGradients} is null.
     */
    public record Grams(Map<String, DoubleMatrix> inputs, Map<String, DoubleMatrix> outputGradients) {
    }

    /**
     * The tokens of a text's head, before the tail of share {@code heldOut} that {@code lowrank finetune} and
     * {@code adapter perplexity} score: what the calibrated squeezes and the tuning after them read ({@code tokenizer}
     * null: bytes).
     */
    public static int[] head(String text, double heldOut, Tokenizer tokenizer) {
        return split(text, heldOut, tokenizer).train();
    }

    /**
     * A text's tokens split into that head and the held-out tail ({@code validation}) after it: bytes split at the last
     * share of bytes ({@code tokenizer} null or bytes); any other tokenizer splits the text's characters
     * ({@link TokenWindows#textCut}) and encodes each side.
     */
    public static TokenWindows.Split split(String text, double heldOut, Tokenizer tokenizer) {
        if (!(heldOut > 0 && heldOut < 1)) {
            throw new IllegalArgumentException("--held-out must be in (0, 1), got " + heldOut);
        }
        if (tokenizer == null || tokenizer instanceof ByteTokenizer) {
            return TokenWindows.split(new ByteTokenizer().encode(text), heldOut);
        }
        int cut = TokenWindows.textCut(text, heldOut);
        return new TokenWindows.Split(tokenizer.encode(text.substring(0, cut)), tokenizer.encode(text.substring(cut)));
    }

    /**
     * @param model   a decoder with the adapter's base weights
     * @param adapter the adapter to squeeze (checked against the model as any attach is)
     * @param tokens  calibration tokens (not the text an evaluation will score)
     * @param windows at most this many windows of the model's context
     * @param fisher  also sum the Gram matrices of the next-byte loss's gradients at each module's outputs
     * @throws IllegalArgumentException when the tokens do not fill one window
     */
    public static Grams grams(LlamaModel model, PeftAdapter adapter, int[] tokens, int windows, boolean fisher) {
        return grams(model, adapter, tokens, windows, fisher, null);
    }

    /** As above, telling {@code progress} (may be null) of each window run. */
    public static Grams grams(LlamaModel model, PeftAdapter adapter, int[] tokens, int windows, boolean fisher, SqueezeProgress progress) {
        checkWindows(model, tokens, windows); // before the model is touched
        return grams(model, attach(model, adapter, "default", "a calibrated squeeze"), tokens, windows, fisher, progress);
    }

    /**
     * {@code adapter} attached to {@code model} under {@code name} for {@code work} (a calibrated or compensated squeeze),
     * which treats each projection's adapter on its own: an adapter on a fused module is refused before the model is touched.
     */
    static LoraModel attach(LlamaModel model, PeftAdapter adapter, String name, String work) {
        LoraModel lora = LoraModel.overDecoder(model, 0);
        lora.requireNoFusedModules(adapter, work);
        PeftFolder.apply(adapter, lora, name, Precision.FLOAT32);
        return lora;
    }

    /** Refuses fewer than one window, or tokens that do not fill one window of the model's context. */
    static void checkWindows(LlamaModel model, int[] tokens, int windows) {
        if (windows < 1) {
            throw new IllegalArgumentException("--calibration-windows must be at least 1, got " + windows);
        }
        int context = model.defaultWindow();
        if (tokens.length < context + 1) {
            throw new IllegalArgumentException("the calibration text has " + tokens.length + " tokens (its held-out tail left out); one window of "
                    + context + " tokens needs " + (context + 1) + ": give a longer --data");
        }
    }

    /** The calibration windows: at most {@code windows} consecutive windows of {@link LlamaModel#defaultWindow()} tokens, one sequence each. */
    static List<TokenWindows.Batch> windows(LlamaModel model, int[] tokens, int windows) {
        return new TokenWindows(tokens, model.vocabSize(), model.defaultWindow(), 0).sequentialBatches(1, windows);
    }

    /**
     * As above, on a model whose adapted layers already run the adapter (every active branch is calibrated); the caller
     * has checked the windows ({@link #checkWindows}).
     */
    static Grams grams(LlamaModel model, LoraModel lora, int[] tokens, int windows, boolean fisher, SqueezeProgress progress) {
        if (fisher) { // the backward then computes only what reaches the adapters (and their own gradients, unused)
            org.lowrank4j.nn.Parameter.freezeAllBut(model.parameters(), lora.parameters());
        }
        Map<String, DoubleMatrix> grams = new LinkedHashMap<>();
        // q, k and v (gate and up) read one tensor: its XᵀX is computed once. Layers reuse their buffers from one forward to
        // the next, so the cache holds only the latest input and is emptied before each forward.
        Map<Tensor, DoubleMatrix> latest = new java.util.IdentityHashMap<>();
        Map<String, DoubleMatrix> gradientGrams = fisher ? new LinkedHashMap<>() : null;
        for (Map.Entry<String, LoraWeight> e : lora.adaptedLayers().entrySet()) {
            int in = e.getValue().inFeatures();
            DoubleMatrix gram = DoubleMatrix.zeros(in, in);
            grams.put(e.getKey(), gram);
            e.getValue().observeInputs(x -> {
                DoubleMatrix xtx = latest.get(x);
                if (xtx == null) {
                    latest.clear();
                    xtx = DoubleMatrix.zeros(in, in);
                    Linalg.backend().addGram(x.matrix(x.size() / in, in).toDouble(), xtx);
                    latest.put(x, xtx);
                }
                double[] sum = gram.data(), add = xtx.data();
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += add[i];
                }
            });
            if (fisher) {
                int out = e.getValue().outFeatures();
                DoubleMatrix gradientGram = DoubleMatrix.zeros(out, out);
                gradientGrams.put(e.getKey(), gradientGram);
                e.getValue().observeOutputGradients(dy -> Linalg.backend().addGram(dy.matrix(dy.size() / out, out).toDouble(), gradientGram));
            }
        }
        LlamaLanguageModel language = new LlamaLanguageModel(model);
        long tokensRun = 0; // every adapted module reads every token once
        List<TokenWindows.Batch> batches = windows(model, tokens, windows);
        for (int w = 0; w < batches.size(); w++) {
            TokenWindows.Batch b = batches.get(w);
            latest.clear();
            if (fisher) {
                language.lossAndBackward(b.inputs(), b.targets()); // the adapters' own gradients pile up unused
            } else {
                language.loss(b.inputs(), b.targets());
            }
            tokensRun += (long) b.inputs().length * b.inputs()[0].length;
            if (progress != null) {
                progress.update(SqueezeProgress.WINDOWS, w + 1, batches.size());
            }
        }
        for (LoraWeight w : lora.adaptedLayers().values()) {
            w.observeInputs(null);
            w.observeOutputGradients(null);
        }
        for (Map<String, DoubleMatrix> m : fisher ? List.of(grams, gradientGrams) : List.of(grams)) {
            for (DoubleMatrix g : m.values()) {
                double[] d = g.data();
                for (int i = 0; i < d.length; i++) {
                    d[i] /= tokensRun;
                }
            }
        }
        return new Grams(grams, gradientGrams);
    }
}
