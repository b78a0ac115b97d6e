package org.lowrank4j.adapt.ops;

import java.util.LinkedHashMap;
import java.util.Map;
import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.adapt.lora.LoraWeight;
import org.lowrank4j.adapt.lora.ModulePaths;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.nn.arch.llama.LlamaLanguageModel;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.TokenWindows;

/**
 * The inputs an adapter's modules see, for {@link Squeeze}'s activation-aware form: the decoder runs with the adapter
 * attached over windows of calibration text, and each adapted module adds XᵀX of its inputs up (float64), divided at the
 * end by the number of tokens. Modules that read one input (q, k, v) share one matrix.
 */
public final class SqueezeCalibration {
    private SqueezeCalibration() {
    }

    /**
     * The Gram matrices over the head of a text: the part {@code lowrank finetune} trains on, before the tail of share
     * {@code heldOut} that it (and {@code adapter perplexity}) scores, so a squeeze calibrated here is not fitted to the
     * bytes it is then measured on.
     *
     * @param modelFolder a byte-level LLaMA-family decoder folder
     */
    public static Map<String, DoubleMatrix> inputGrams(java.nio.file.Path modelFolder, PeftAdapter adapter, String text, double heldOut,
            int windows) throws java.io.IOException {
        if (!(heldOut > 0 && heldOut < 1)) {
            throw new IllegalArgumentException("--held-out must be in (0, 1), got " + heldOut);
        }
        LlamaModel model = LlamaModel.load(modelFolder, Precision.FLOAT32);
        int[] head = TokenWindows.split(new org.lowrank4j.nn.generate.ByteTokenizer().encode(text), heldOut).train();
        return inputGrams(model, adapter, head, windows);
    }

    /**
     * @param model   a decoder with the adapter's base weights
     * @param adapter the adapter to squeeze (checked against the model as any attach is)
     * @param tokens  calibration tokens (not the text an evaluation will score)
     * @param windows at most this many windows of the model's context
     * @return per module path, the Gram matrix of its inputs (in × in)
     * @throws IllegalArgumentException when the tokens do not fill one window
     */
    public static Map<String, DoubleMatrix> inputGrams(LlamaModel model, PeftAdapter adapter, int[] tokens, int windows) {
        if (windows < 1) {
            throw new IllegalArgumentException("--calibration-windows must be at least 1, got " + windows);
        }
        int context = model.maxPositions();
        if (tokens.length < context + 1) {
            throw new IllegalArgumentException("the calibration text has " + tokens.length + " tokens (its held-out tail left out); one window of "
                    + "the model's context needs " + (context + 1) + ": give a longer --data");
        }
        LoraModel lora = LoraModel.over(ModulePaths.decoder(model), 0);
        PeftFolder.apply(adapter, lora, "default", Precision.FLOAT32);
        Map<String, DoubleMatrix> grams = new LinkedHashMap<>();
        // q, k and v (gate and up) read one tensor: its XᵀX is computed once. Layers reuse their buffers from one forward to
        // the next, so the cache holds only the latest input and is emptied before each forward.
        Map<Tensor, DoubleMatrix> latest = new java.util.IdentityHashMap<>();
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
        }
        LlamaLanguageModel language = new LlamaLanguageModel(model);
        long tokensRun = 0; // every adapted module reads every token once
        for (TokenWindows.Batch b : new TokenWindows(tokens, model.vocabSize(), context, 0).sequentialBatches(1, windows)) {
            latest.clear();
            language.loss(b.inputs(), b.targets());
            tokensRun += (long) b.inputs().length * b.inputs()[0].length;
        }
        for (LoraWeight w : lora.adaptedLayers().values()) {
            w.observeInputs(null);
        }
        for (DoubleMatrix g : grams.values()) {
            double[] d = g.data();
            for (int i = 0; i < d.length; i++) {
                d[i] /= tokensRun;
            }
        }
        return grams;
    }
}
