package org.lowrank4j.nn.arch.bert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.file.Files;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lowrank4j.formats.onnx.LinearSite;
import org.lowrank4j.formats.onnx.OnnxModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.FloatTensor;
import org.lowrank4j.nn.tensor.MlpActivation;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.weight.DenseWeight;
import org.lowrank4j.nn.weight.LowRankWeight;

/** BERT loaded from the real all-MiniLM-L6-v2 ONNX against ONNX Runtime on the same file and the same batch. */
class BertOnnxTest {
    static final List<String> SENTENCES = List.of(
            "The quick brown fox jumps over the lazy dog.",
            "Call me Ishmael.",
            "We the People of the United States, in Order to form a more perfect Union, establish Justice, insure domestic "
                    + "Tranquility, provide for the common defence, promote the general Welfare.",
            "Low-rank structure is everywhere in trained transformers.",
            "Hello!",
            "Whales were hunted for their oil, which lit the lamps of the nineteenth century.");

    static OnnxModel onnx;
    static MiniLm.Batch batch;
    static OrtEnvironment env;

    @BeforeAll
    static void load() throws Exception {
        onnx = OnnxModel.read(MiniLm.model());
        try (HuggingFaceTokenizer tokenizer = MiniLm.tokenizer()) {
            batch = MiniLm.encode(tokenizer, SENTENCES);
        }
        env = OrtEnvironment.getEnvironment();
    }

    @Test
    void miniLmMatchesOnnxRuntimeOnRealSentencesWithPadding() throws Exception {
        BertModel model = BertOnnx.load(onnx, Precision.FLOAT32);
        BertConfig c = model.config();
        assertThat(c).isEqualTo(new BertConfig(30522, 384, 6, 12, 1536, 512, 2, c.layerNormEps(), MlpActivation.GELU_ERF));
        assertThat(c.layerNormEps()).isCloseTo(1e-12, org.assertj.core.data.Offset.offset(1e-15));
        float[] expected;
        try (OrtSession session = MiniLm.session(env, Files.readAllBytes(MiniLm.model()), 2)) {
            expected = MiniLm.run(env, session, batch);
        }
        float[] actual = ((FloatTensor) model.forward(batch.ids(), batch.types(), batch.mask(), batch.batch(), batch.time())).data();
        double max = maxRealDifference(expected, actual, 384);
        System.out.printf("all-MiniLM-L6-v2 vs ONNX Runtime: %d sentences, T=%d, %d real tokens, max abs diff %.3e%n",
                batch.batch(), batch.time(), java.util.Arrays.stream(batch.mask()).sum(), max);
        assertThat(max).isLessThanOrEqualTo(1e-4);
        float[] fused = ((FloatTensor) model.infer(batch.ids(), batch.types(), batch.mask(), batch.batch(), batch.time())).data();
        double fusedMax = maxRealDifference(expected, fused, 384);
        System.out.printf("all-MiniLM-L6-v2 fused inference forward vs ONNX Runtime: max abs diff %.3e%n", fusedMax);
        assertThat(fusedMax).isLessThanOrEqualTo(1e-4);
    }

    @Test
    void factorisedOnnxLoadsAsLowRankAndMatchesOnnxRuntime() throws Exception {
        OnnxModel rewritten = OnnxModel.of(onnx.toProto());
        Random random = new Random(3);
        int factorised = 0;
        for (LinearSite site : rewritten.linearSites()) {
            if (site.block() == 1 || site.block() == 4) { // every projection of two blocks, rank 24
                int rank = 24;
                float[] first = new float[site.inFeatures() * rank], second = new float[rank * site.outFeatures()];
                for (int i = 0; i < first.length; i++) {
                    first[i] = (float) (random.nextGaussian() * 0.05);
                }
                for (int i = 0; i < second.length; i++) {
                    second[i] = (float) (random.nextGaussian() * 0.05);
                }
                rewritten.replaceWithLowRank(site, rank, first, second);
                factorised++;
            }
        }
        assertThat(factorised).isEqualTo(12);
        BertModel model = BertOnnx.load(rewritten, Precision.FLOAT32);
        for (int l = 0; l < 6; l++) {
            for (Linear linear : model.linears(l)) {
                assertThat(linear.weight()).as(linear.name()).isInstanceOf(l == 1 || l == 4 ? LowRankWeight.class : DenseWeight.class);
            }
        }
        float[] expected;
        try (OrtSession session = MiniLm.session(env, rewritten.toProto().toByteArray(), 2)) {
            expected = MiniLm.run(env, session, batch);
        }
        float[] actual = ((FloatTensor) model.forward(batch.ids(), batch.types(), batch.mask(), batch.batch(), batch.time())).data();
        double max = maxRealDifference(expected, actual, 384);
        System.out.printf("factorised MiniLM (blocks 1 and 4 at rank 24) vs ONNX Runtime: max abs diff %.3e%n", max);
        assertThat(max).isLessThanOrEqualTo(1e-4);
    }

    @Test
    void aGraphWithoutEncoderIsRefused() {
        OnnxModel stripped = OnnxModel.of(onnx.toProto());
        stripped.removeInitializer("embeddings.position_embeddings.weight");
        for (int i = stripped.nodeCount() - 1; i >= 0; i--) {
            if (stripped.node(i).getName().equals("/embeddings/position_embeddings/Gather")) {
                stripped.removeNode(i);
            }
        }
        assertThatThrownBy(() -> BertOnnx.load(stripped, Precision.FLOAT32))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a BERT-family encoder").hasMessageContaining("position embedding");
    }

    /** Largest |a − b| over the rows whose mask is 1. */
    static double maxRealDifference(float[] a, float[] b, int channels) {
        assertThat(b.length).isEqualTo(a.length);
        double max = 0;
        for (int n = 0; n < batch.mask().length; n++) {
            if (batch.mask()[n] == 0) {
                continue;
            }
            for (int j = 0; j < channels; j++) {
                max = Math.max(max, Math.abs(a[n * channels + j] - b[n * channels + j]));
            }
        }
        return max;
    }
}
