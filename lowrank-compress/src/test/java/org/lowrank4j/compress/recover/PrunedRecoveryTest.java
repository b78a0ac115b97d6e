package org.lowrank4j.compress.recover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.eval.RealModels;
import org.lowrank4j.compress.onnx.OnnxCompression;
import org.lowrank4j.compress.route.Compression;
import org.lowrank4j.compress.route.CompressionRequest;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.formats.onnx.EncoderBlocks;
import org.lowrank4j.formats.onnx.OnnxModel;
import org.lowrank4j.nn.tensor.Precision;

/**
 * Sensitivity-guided distillation of a block-pruned, then factorised encoder: the student's blocks are matched to the
 * teacher blocks they kept, weighted by the sensitivity of the blocks removed after them.
 */
class PrunedRecoveryTest {

    @Test
    void weightsFollowTheSensitivityOfTheBlocksRemovedAfterEachKeptBlock() {
        // teacher of 6 blocks, kept 0,1,4,5; sensitivities mean 0.2; removed 2 (0.1) and 3 (0.3) follow kept block 1
        BlockMap map = BlockMap.pruned(new int[] {0, 1, 4, 5}, new double[] {0.2, 0.2, 0.1, 0.3, 0.2, 0.2}, 6);
        double[] w = map.weight();
        assertThat(w[1]).isCloseTo(3.0 / 6, org.assertj.core.data.Offset.offset(1e-12)); // (1 + 0.4/0.2) / (1 + 3 + 1 + 1)
        assertThat(w[0]).isCloseTo(1.0 / 6, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(Arrays.stream(w).sum()).isCloseTo(1, org.assertj.core.data.Offset.offset(1e-12));
        // tail removal: the last kept block stands in for the removed tail
        assertThat(BlockMap.pruned(new int[] {0, 1, 2}, new double[] {1, 1, 1, 1}, 4).weight()[2]).isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(BlockMap.pruned(new int[] {0, 2}, null, 4).weight()).containsExactly(0.5, 0.5);
        assertThat(BlockMap.identity(4).weight()).containsExactly(0.25, 0.25, 0.25, 0.25);
    }

    @Test
    void aPrunedAndFactorisedMiniLmIsDistilledAgainstTheBlocksItKept(@TempDir Path dir) throws Exception {
        Path pruned = dir.resolve("p.onnx"), factorised = dir.resolve("p-svd.onnx");
        Path calib = java.nio.file.Files.writeString(dir.resolve("calib.txt"), String.join("\n", TextCorpus.calibration().first(20)));
        Compression.run(CompressionRequest.builder().model(RealModels.miniLmModel()).tokenizer(RealModels.miniLmTokenizer()).calibration(calib)
                .method("hierarchical-prune:blocks=2:probe=4").out(pruned).build(), Listener.NONE);
        OnnxCompression.open(pruned).compress("svd", "uniform", 0.3, factorised, Progress.NONE);
        String kept = OnnxModel.read(factorised).metadata().get(EncoderBlocks.KEPT_BLOCKS);
        int[] keptBlocks = Arrays.stream(kept.split(",")).mapToInt(Integer::parseInt).toArray();
        assertThat(keptBlocks).hasSize(4).startsWith(0, 1); // the first two are protected

        OnnxRecovery.Models models = OnnxRecovery.load(RealModels.miniLmModel(), factorised, Precision.FLOAT32);
        assertThat(models.student().blocks()).hasSize(4);
        assertThat(models.blocks().teacher()).containsExactly(keptBlocks);
        System.out.println("pruned MiniLM kept " + kept + "; block map " + models.blocks());
        assertThat(Arrays.stream(models.blocks().weight()).sum()).isCloseTo(1, org.assertj.core.data.Offset.offset(1e-12));
        DistillOptions options = DistillOptions.builder().steps(4).batchSize(4).learningRate(3e-4).warmupFraction(0).build();
        Distiller distiller = Distiller.encoder(models.teacher(), models.student(), models.blocks(), options);
        try (HfTokenizer tok = HfTokenizer.load(RealModels.miniLmTokenizer(), 32)) {
            TokenBatch heldOut = TokenBatch.of(tok.encode(TextCorpus.heldOut().first(4)));
            double before = distiller.loss(heldOut).total();
            distiller.run(new SentenceBatches(TextCorpus.calibration().first(16), tok, 4, 7), Progress.NONE);
            double after = distiller.loss(heldOut).total();
            System.out.printf("MiniLM with blocks %s kept, svd 0.3: held-out distillation loss %.4f -> %.4f after 4 steps%n", kept, before, after);
            assertThat(after).isLessThan(before);
        }
        // a pruned model's student block is matched to a teacher block; the factorised original is not pruned: identity
        assertThatThrownBy(() -> BlockMap.of(OnnxModel.read(RealModels.miniLmModel()), RealModels.miniLmModel(), 4, 6))
                .hasMessageContaining("does not say which blocks it kept");
    }
}
