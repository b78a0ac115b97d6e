package org.lowrank4j.algorithms.turbovbi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.TrainingListener;

class BayesianPruningTest {
    private static final String TEXT = "The Congress met in the capital and the treaty was signed in the spring of the year. ".repeat(30);

    /** A random byte-level LLaMA (C=16, MLP 24, 2 layers, context 16) saved with its tokenizer. */
    static Path tinyDecoder(Path folder) throws Exception {
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(16).intermediateSize(24).numHiddenLayers(2).numAttentionHeads(2)
                .numKeyValueHeads(1).vocabSize(256).maxPositionEmbeddings(16).tieWordEmbeddings(true).build();
        LlamaModel model = LlamaModel.create(config, Precision.FLOAT32);
        model.initialize(new Random(1));
        Files.createDirectories(folder);
        model.save(folder);
        ByteTokenizer.writeJson(folder);
        return folder;
    }

    private static PruningRequest request(Path model, Path out, String method, Path data, int steps, Path match, TurboVbiOptions options) {
        return new PruningRequest(model, out, method, data, null, null, steps, 2, 1e-3, 1, 7, match, null, options, false);
    }

    @Test
    void turboVbiPrunesByItsSupportPosteriorAndMagnitudeMatchesItsZeros(@TempDir Path dir) throws Exception {
        Path model = tinyDecoder(dir.resolve("m"));
        Path text = dir.resolve("text.txt");
        Files.writeString(text, TEXT);
        TurboVbiOptions options = new TurboVbiOptions(0.02, 0.002, 0.9, 0.9, 0.5, 1, 2, 2, 1e-3);
        BayesianPruning.Outcome vbi = BayesianPruning.run(request(model, dir.resolve("vbi"), "turbo-vbi", text, 4, null, options),
                TrainingListener.NONE, line -> { });
        SparsityPattern p = vbi.pattern();
        System.out.printf("tiny decoder: turbo-vbi sparsity %.3f, %d runs, %d neurons removed%n", p.sparsity(), p.zeroRuns(), p.neuronsRemoved());
        assertTrue(p.sparsity() > 0.1 && p.sparsity() < 0.95, "sparsity " + p.sparsity() + " with weights of std 0.02 and active-std 0.02");
        // the written folder is an ordinary decoder folder whose zeros are the recorded ones
        LlamaModel pruned = LlamaModel.load(dir.resolve("vbi"), Precision.FLOAT32);
        assertEquals(p.zeros(), SparsityPattern.of(pruned).zeros());
        assertTrue(Files.isRegularFile(dir.resolve("vbi").resolve(BayesianPruning.RECORD)));
        assertTrue(!Files.exists(dir.resolve("vbi").resolve("checkpoint.safetensors")));

        Path record = dir.resolve("vbi").resolve(BayesianPruning.RECORD);
        BayesianPruning.Outcome magnitude = BayesianPruning.run(request(model, dir.resolve("mag"), "magnitude", null, 0, record, options),
                TrainingListener.NONE, line -> { });
        for (int i = 0; i < p.sites().size(); i++) {
            assertEquals(p.sites().get(i).zeros(), magnitude.pattern().sites().get(i).zeros(), p.sites().get(i).name());
        }
        // per-weight magnitude: every kept |w| is at least every pruned |w| of the same projection
        LlamaModel original = LlamaModel.load(model, Precision.FLOAT32), mag = LlamaModel.load(dir.resolve("mag"), Precision.FLOAT32);
        for (int b = 0; b < 2; b++) {
            Tensor w = MlpSites.of(original).get(b).gate().weight().toDense(), m = MlpSites.of(mag).get(b).gate().weight().toDense();
            double maxPruned = 0, minKept = Double.MAX_VALUE;
            for (int i = 0; i < w.size(); i++) {
                if (m.get(i) == 0) {
                    maxPruned = Math.max(maxPruned, Math.abs(w.get(i)));
                } else {
                    minKept = Math.min(minKept, Math.abs(w.get(i)));
                    assertEquals(w.get(i), m.get(i));
                }
            }
            assertTrue(maxPruned <= minKept, "block " + b + ": pruned up to " + maxPruned + " but kept from " + minKept);
        }
        BayesianPruning.Outcome neurons = BayesianPruning.run(request(model, dir.resolve("neu"), "magnitude-neuron", null, 0, record, options),
                TrainingListener.NONE, line -> { });
        SparsityPattern n = neurons.pattern();
        assertEquals(n.zeros(), (long) n.neuronsRemoved() * 3 * 16, "magnitude-neuron prunes whole neurons only");
        assertTrue(Math.abs(n.sparsity() - p.sparsity()) <= 1.5 / 24, "neuron pruning within one neuron per MLP of the target");
        // keep-zeros: a fine-tune of the pruned folder keeps every zero
        BayesianPruning.Outcome tuned = BayesianPruning.run(request(dir.resolve("mag"), dir.resolve("ft"), "keep-zeros", text, 3, null, options),
                TrainingListener.NONE, line -> { });
        assertEquals(magnitude.pattern().zeros(), tuned.pattern().zeros());
        LlamaModel ft = LlamaModel.load(dir.resolve("ft"), Precision.FLOAT32);
        assertTrue(MlpSites.of(ft).get(0).gate().weight().toDense().get(0) != 0 || MlpSites.of(mag).get(0).gate().weight().toDense().get(0) == 0);
    }

    /** With a strong chain, zeros gather into longer runs than at the same sparsity without one. */
    @Test
    void strongerChainGivesLongerRunsOfZeros(@TempDir Path dir) throws Exception {
        Path model = tinyDecoder(dir.resolve("m"));
        Path text = dir.resolve("text.txt");
        Files.writeString(text, TEXT);
        double[] meanRun = new double[2];
        double[][] chains = {{0.5, 0.5}, {0.99, 0.99}};
        for (int k = 0; k < 2; k++) {
            TurboVbiOptions options = new TurboVbiOptions(0.02, 0.002, chains[k][0], chains[k][1], 1, 1, 2, 3, 1e-3);
            SparsityPattern p = BayesianPruning.run(request(model, dir.resolve("c" + k), "turbo-vbi", text, 2, null, options),
                    TrainingListener.NONE, line -> { }).pattern();
            meanRun[k] = p.meanZeroRun();
            System.out.printf("p11=p00=%.2f: sparsity %.3f, mean run of zeros %.2f%n", chains[k][0], p.sparsity(), p.meanZeroRun());
        }
        assertTrue(meanRun[1] > 1.5 * meanRun[0], "mean zero runs " + meanRun[0] + " (no chain) vs " + meanRun[1] + " (strong chain)");
    }

    @Test
    void refusesUnknownMethodsAndModelsWithoutMlps(@TempDir Path dir) throws Exception {
        Path model = tinyDecoder(dir.resolve("m"));
        TurboVbiOptions options = TurboVbiOptions.defaults();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BayesianPruning.run(request(model, dir.resolve("o"), "lottery", null, 0, null, options), TrainingListener.NONE, l -> { }));
        assertTrue(e.getMessage().contains("turbo-vbi, magnitude"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> BayesianPruning.run(request(model, dir.resolve("o"), "magnitude", null, 0, null, options), TrainingListener.NONE, l -> { }));
        assertTrue(e.getMessage().contains("--match"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> BayesianPruning.run(request(model, dir.resolve("o"), "turbo-vbi", null, 5, null, options), TrainingListener.NONE, l -> { }));
        assertTrue(e.getMessage().contains("--data"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TurboVbiOptions(0.02, 0.002, 1.5, 0.9, 0.5, 1, 10, 3, 1e-3));
    }
}
