package org.lowrank4j.adapt.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.adapt.TinyModels;
import org.lowrank4j.adapt.lora.AdapterInit;
import org.lowrank4j.adapt.lora.LoraSettings;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.arch.llama.LowRankFolder;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.generate.Perplexity;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.LowRankWeight;

/** WeLore's LRC fine-tuning: only the factors (and norms) train, the dense projections stay bit for bit, a low-rank folder comes out. */
class LrcFineTuningTest {
    private static final String TEXT = """
            Whenever I find myself growing grim about the mouth; whenever it is a damp, drizzly November in my soul; whenever
            I find myself involuntarily pausing before coffin warehouses, and bringing up the rear of every funeral I meet.
            """.repeat(6);

    /** The tiny decoder with its query, value and down projections factorised at rank 3 (the others stay dense). */
    private static Path compressed(Path dir) throws IOException {
        LlamaModel model = TinyModels.llama(Precision.FLOAT32, 3);
        Random random = new Random(4);
        model.linearSites().forEach((site, linear) -> {
            if (site.endsWith("query") || site.endsWith("value") || site.endsWith("down")) {
                linear.setWeight(new LowRankWeight(
                        new Parameter(linear.name() + ".A", Tensor.gaussian(Precision.FLOAT32, random, 0.2, linear.outFeatures(), 3)),
                        new Parameter(linear.name() + ".B", Tensor.gaussian(Precision.FLOAT32, random, 0.2, 3, linear.inFeatures()))));
            }
        });
        Path folder = dir.resolve("compressed");
        LowRankFolder.write(model, folder, null, LowRankFolder.describe(model, "tiny-dense", "svd", "welore", 0.3));
        ByteTokenizer.writeJson(folder);
        return folder;
    }

    private static double[] values(Tensor t) {
        double[] v = new double[t.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = t.get(i);
        }
        return v;
    }

    private static FineTuneRequest request(Path model, Path out, String adapter, int steps, boolean resume, Integer stopAfter) {
        return new FineTuneRequest(model, TEXT, "text", out, LoraSettings.of(4, 8), List.of("q_proj"), steps, 4, 16, 1e-2, 1, 0, 0.2, 0, 7,
                2, resume, stopAfter, AdapterInit.LORA, adapter);
    }

    @Test
    void trainsOnlyTheFactorsAndNormsAndWritesALowRankFolder(@TempDir Path dir) throws IOException {
        Path folder = compressed(dir), out = dir.resolve("lrc");
        LlamaModel before = LlamaModel.load(folder, Precision.FLOAT32);
        FineTuneOutcome outcome = FineTuning.run(request(folder, out, "lrc", 8, false, null), FineTuneListener.NONE);
        assertThat(outcome.after().perplexity()).isLessThan(outcome.before().perplexity());

        LlamaModel after = LlamaModel.load(out, Precision.FLOAT32);
        long factors = 0, norms = 0;
        for (Map.Entry<String, Linear> e : before.linearSites().entrySet()) {
            Linear a = e.getValue(), b = after.linearSites().get(e.getKey());
            assertThat(b.weight().getClass()).isEqualTo(a.weight().getClass());
            if (a.weight() instanceof LowRankWeight lr) {
                factors += lr.parameters().stream().mapToLong(Parameter::size).sum();
                assertThat(values(b.weight().toDense())).isNotEqualTo(values(a.weight().toDense())); // trained
            } else {
                assertThat(values(b.weight().toDense())).isEqualTo(values(a.weight().toDense())); // an N-LRC: frozen, bit for bit
            }
        }
        for (Parameter p : before.parameters()) {
            if (p.name().contains("norm")) {
                norms += p.size();
            }
        }
        assertThat(outcome.trainable()).isEqualTo(factors + norms);
        // the embedding is frozen
        Parameter embedding = before.parameters().stream().filter(p -> p.name().contains("embed")).findFirst().orElseThrow();
        Parameter tunedEmbedding = after.parameters().stream().filter(p -> p.name().equals(embedding.name())).findFirst().orElseThrow();
        assertThat(values(tunedEmbedding.value())).isEqualTo(values(embedding.value()));
        // the folder written scores what the run scored, and says what was done to it
        int[] tokens = HeldOut.tokens(TEXT, 0.2, 0);
        assertThat(Perplexity.evaluate(after, tokens, after.maxPositions(), tokens.length).perplexity())
                .isCloseTo(outcome.after().perplexity(), org.assertj.core.data.Offset.offset(1e-9));
        LowRankFolder.Manifest manifest = LowRankFolder.readManifest(out).orElseThrow();
        assertThat(manifest.allocation()).isEqualTo("welore");
        assertThat(manifest.recovery().path("kind").asText()).contains("lrc");
        JsonNode record = new ObjectMapper().readTree(out.resolve(FineTuning.RECORD).toFile());
        assertThat(record.path("low_rank_components").asInt()).isEqualTo(6);
        assertThat(record.path("dense_components_frozen").asInt()).isEqualTo(before.linearSites().size() - 6);

        Path withoutNorms = dir.resolve("lrc-no-norms");
        FineTuneOutcome factorsOnly = FineTuning.run(request(folder, withoutNorms, "lrc:norms=0", 2, false, null), FineTuneListener.NONE);
        assertThat(factorsOnly.trainable()).isEqualTo(factors);
    }

    @Test
    void resumesBitForBitAndRefusesADenseFolder(@TempDir Path dir) throws IOException {
        Path folder = compressed(dir), straight = dir.resolve("straight"), split = dir.resolve("split");
        FineTuning.run(request(folder, straight, "lrc", 4, false, null), FineTuneListener.NONE);
        FineTuning.run(request(folder, split, "lrc", 4, false, 2), FineTuneListener.NONE);
        FineTuning.run(request(folder, split, "lrc", 4, true, null), FineTuneListener.NONE);
        assertThat(Files.readAllBytes(split.resolve("model.safetensors"))).isEqualTo(Files.readAllBytes(straight.resolve("model.safetensors")));

        Path dense = dir.resolve("dense");
        TinyModels.llama(Precision.FLOAT32, 3).save(dense);
        assertThatThrownBy(() -> FineTuning.run(request(dense, dir.resolve("x"), "lrc", 2, false, null), FineTuneListener.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lowrank.json");
        assertThatThrownBy(() -> FineTuning.run(request(folder, dir.resolve("y"), "lrc:norms=2", 2, false, null), FineTuneListener.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("norms");
    }
}
