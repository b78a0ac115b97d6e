package org.lowrank4j.nn.generate;

import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.LowRankWeight;

/**
 * Throwaway decode benchmark (not a test): a LLaMA-style decoder C=384, 6 layers, 6 heads over 2 kv heads, MLP 1024,
 * V=256, float32, dense vs every block linear replaced by a LowRankWeight with 50% fewer parameters
 * (r = ⌊mn / (2(m+n))⌋). Prints prefill and decode tokens/s as JSON. Run with {@code -Dlowrank.threads=1}.
 */
public final class DecodeBenchmark {
    public static void main(String[] args) {
        int prompt = 32, newTokens = args.length > 0 ? Integer.parseInt(args[0]) : 256, repeats = 3;
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(384).intermediateSize(1024).numHiddenLayers(6)
                .numAttentionHeads(6).numKeyValueHeads(2).vocabSize(256).maxPositionEmbeddings(1024).tieWordEmbeddings(true).build();
        LlamaModel dense = LlamaModel.create(config, Precision.FLOAT32);
        dense.initialize(new Random(1));
        LlamaModel lowRank = LlamaModel.create(config, Precision.FLOAT32);
        lowRank.initialize(new Random(1));
        long denseLinear = 0, lowRankLinear = 0;
        Random random = new Random(2);
        for (Map.Entry<String, Linear> e : lowRank.linearSites().entrySet()) {
            Linear l = e.getValue();
            int m = l.outFeatures(), n = l.inFeatures(), r = (int) ((long) m * n / (2L * (m + n)));
            LowRankWeight w = LowRankWeight.zeros(l.name() + ".weight", m, n, r, Precision.FLOAT32);
            fill(w.left().value(), random, 0.05);
            fill(w.right().value(), random, 0.05);
            l.setWeight(w);
            denseLinear += (long) m * n;
            lowRankLinear += (long) r * (m + n);
        }
        int[] ids = new int[prompt];
        for (int i = 0; i < prompt; i++) {
            ids[i] = random.nextInt(256);
        }
        double[] d = measure(dense, ids, newTokens, repeats), lr = measure(lowRank, ids, newTokens, repeats);
        System.out.printf(Locale.ROOT, "{\"config\": \"llama C=384 L=6 H=6 KV=2 MLP=1024 V=256 float32\", \"backend\": \"%s\", \"threads\": \"%s\", "
                + "\"prompt\": %d, \"new_tokens\": %d, \"linear_params_dense\": %d, \"linear_params_lowrank\": %d, "
                + "\"removed_fraction\": %.4f, \"dense_prefill_tok_s\": %.1f, \"dense_decode_tok_s\": %.1f, "
                + "\"lowrank_prefill_tok_s\": %.1f, \"lowrank_decode_tok_s\": %.1f, \"decode_speedup\": %.3f}%n",
                org.lowrank4j.linalg.Linalg.backend().name(), System.getProperty("lowrank.threads", "default"), prompt, newTokens, denseLinear, lowRankLinear,
                1 - (double) lowRankLinear / denseLinear, d[0], d[1], lr[0], lr[1], lr[1] / d[1]);
    }

    private static void fill(Tensor t, Random random, double std) {
        for (int i = 0; i < t.size(); i++) {
            t.set(i, std * random.nextGaussian());
        }
    }

    /** Best of {@code repeats} (after one warm-up): {prefill tokens/s, decode tokens/s}. */
    private static double[] measure(LlamaModel model, int[] prompt, int newTokens, int repeats) {
        double bestPrefill = 0, bestDecode = 0;
        for (int rep = -1; rep < repeats; rep++) {
            DecoderCache cache = model.newCache(1, prompt.length + newTokens);
            long t0 = System.nanoTime();
            model.decode(prompt, 1, prompt.length, cache);
            long t1 = System.nanoTime();
            int next = 1;
            for (int i = 0; i < newTokens; i++) {
                Tensor logits = model.decode(new int[] {next}, 1, 1, cache);
                next = (int) (Math.abs(logits.get(0)) * 1000) % 256; // depend on the output
            }
            long t2 = System.nanoTime();
            if (rep >= 0) {
                bestPrefill = Math.max(bestPrefill, prompt.length / ((t1 - t0) / 1e9));
                bestDecode = Math.max(bestDecode, newTokens / ((t2 - t1) / 1e9));
            }
        }
        return new double[] {bestPrefill, bestDecode};
    }
}
