package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.eval.EmbeddingRunner;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.formats.onnx.OnnxModel;

/**
 * {@code lowrank compress} on an ONNX encoder with the methods that run on the JVM runtime's copy (SVD-LLM's
 * sequential pass, Basis Sharing) and with method options ({@code NAME:KEY=VALUE}).
 */
class CompressEncoderMethodsTest {
    @TempDir
    static Path dir;
    private static Path model, tokenizer, calib;
    private static List<String> probe;

    @BeforeAll
    static void files() throws IOException {
        model = copy("/all-minilm-l6-v2.onnx", dir.resolve("minilm.onnx"));
        tokenizer = copy("/all-minilm-l6-v2-tokenizer.json", dir.resolve("tokenizer.json"));
        List<String> sentences = TextCorpus.calibration().texts().subList(0, 24);
        calib = Files.write(dir.resolve("calib.txt"), sentences);
        probe = TextCorpus.heldOut().texts().subList(0, 16);
    }

    private static Path copy(String resource, Path target) throws IOException {
        try (InputStream in = CompressEncoderMethodsTest.class.getResourceAsStream(resource)) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    private static Object[] run(String... args) {
        return CliRun.run(args);
    }

    private static Path compress(String method, String name) {
        Path out = dir.resolve(name);
        Object[] r = run("compress", "--model", model.toString(), "--tokenizer", tokenizer.toString(), "--calib", calib.toString(),
                "--calib-sequences", "24", "--ratio", "0.3", "--method", method, "--allocation", "uniform", "--threads", "2", "--out", out.toString());
        assertThat((int) r[0]).as((String) r[2]).isZero();
        return out;
    }

    /** Mean cosine of the compressed model's embeddings to the original's on held-out sentences, in ONNX Runtime. */
    private static double meanCosine(Path compressed) throws IOException {
        try (HfTokenizer tok = HfTokenizer.load(tokenizer); EmbeddingRunner a = EmbeddingRunner.open(model);
             EmbeddingRunner b = EmbeddingRunner.open(compressed)) {
            float[][] x = a.embed(tok, probe, Pooling.MEAN, true), y = b.embed(tok, probe, Pooling.MEAN, true);
            double sum = 0;
            for (int i = 0; i < x.length; i++) {
                double dot = 0;
                for (int j = 0; j < x[i].length; j++) {
                    dot += x[i][j] * y[i][j];
                }
                sum += dot;
            }
            return sum / x.length;
        }
    }

    private static JsonNode record(Path out) throws IOException {
        return new ObjectMapper().readTree(Files.readString(Path.of(out.toString().replace(".onnx", ".json"))));
    }

    @Test
    void svdLlmRunsItsSequentialPassAndWritesAnOnnxModelThatOnnxRuntimeRuns() throws IOException {
        Path out = compress("svd-llm", "svdllm.onnx");
        double cosine = meanCosine(out);
        // a sane 30% compression of MiniLM keeps the embeddings close (0.87 on the 315-sentence set in results/)
        assertThat(cosine).isBetween(0.6, 0.9999);
        assertThat(record(out).get("method").asText()).isEqualTo("svd-llm");
    }

    @Test
    void basisSharingWritesEachSharedFactorOnceAndOptionsChangeTheGrouping() throws IOException {
        Path g2 = compress("basis-sharing", "bs2.onnx");
        Path g3 = compress("basis-sharing:group=3:private=none", "bs3.onnx");
        int shared2 = firstFactorInitializers(g2), shared3 = firstFactorInitializers(g3);
        // 36 sites: with g = 2 and two roles private, 4 shared roles × 3 groups + 2 private roles × 6 = 24 first factors;
        // with g = 3 and nothing private, 6 roles × 2 groups = 12
        assertThat(shared2).isEqualTo(24);
        assertThat(shared3).isEqualTo(12);
        assertThat(meanCosine(g2)).isBetween(0.6, 0.9999);
        assertThat(meanCosine(g3)).isBetween(0.5, 0.9999);
        assertThat(record(g3).get("method").asText()).isEqualTo("basis-sharing:group=3:private=none");
    }

    @Test
    void aConfiguredPerSiteMethodIsNamedByItsSpec() throws IOException {
        Path out = compress("asvd:alpha=0.25", "asvd.onnx");
        assertThat(record(out).get("method").asText()).isEqualTo("asvd:alpha=0.25");
        // the record reports rank reduction beside parameter reduction (spec c09): a 384×384 query at a uniform 0.3 keeps
        // rank floor(0.7·384·384/768) = 134 of 384
        JsonNode query = record(out).get("sites").get(0);
        assertThat(query.get("name").asText()).isEqualTo("block 0 attention.query");
        assertThat(query.get("rank").asInt()).isEqualTo(134);
        assertThat(query.get("rank_reduction").asDouble()).isCloseTo(1 - 134.0 / 384, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(query.get("parameter_reduction").asDouble()).isCloseTo(1 - 134.0 * 768 / (384 * 384), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(meanCosine(out)).isBetween(0.3, 0.9999);
    }

    @Test
    void fwsvdTakesItsFisherFromTheLabelledTaskAndWritesAModelOnnxRuntimeRuns() throws IOException {
        // eight labelled texts: the first four held-out sentences as class a, the next four as class b
        List<String> held = TextCorpus.heldOut().texts();
        List<String> rows = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
            rows.add((i < 4 ? "a" : "b") + "\t" + held.get(20 + i));
        }
        Path labels = Files.write(dir.resolve("labels.tsv"), rows);
        Path out = dir.resolve("fwsvd.onnx");
        Object[] r = run("compress", "--model", model.toString(), "--tokenizer", tokenizer.toString(), "--calib", calib.toString(),
                "--calib-sequences", "24", "--ratio", "0.3", "--method", "fwsvd", "--allocation", "uniform", "--labels", labels.toString(),
                "--threads", "2", "--out", out.toString());
        assertThat((int) r[0]).as((String) r[2]).isZero();
        assertThat((String) r[2]).contains("fisher: task loss of a logistic head on " + labels, "(8 texts,");
        assertThat(record(out).get("method").asText()).isEqualTo("fwsvd");
        // uniform 0.3 on every site, as svd-llm above; Fisher weighting reshapes the error, it does not remove more
        assertThat(meanCosine(out)).isBetween(0.3, 0.9999);

        r = run("compress", "--model", model.toString(), "--tokenizer", tokenizer.toString(), "--calib", calib.toString(),
                "--ratio", "0.3", "--method", "whitened", "--labels", labels.toString(), "--out", dir.resolve("y.onnx").toString());
        assertOneLine(r, "--labels gives the task loss of a method that needs gradients");
        r = run("compress", "--model", model.toString(), "--tokenizer", tokenizer.toString(), "--calib", calib.toString(),
                "--ratio", "0.3", "--method", "fwsvd", "--labels", dir.resolve("none.tsv").toString(), "--out", dir.resolve("y.onnx").toString());
        assertOneLine(r, "none.tsv");
        assertThat(Files.exists(dir.resolve("y.onnx"))).isFalse();
    }

    @Test
    void badOptionsAndImpossibleCombinationsAreOneLine() {
        Object[] r = run("compress", "--model", model.toString(), "--tokenizer", tokenizer.toString(), "--calib", calib.toString(),
                "--ratio", "0.3", "--method", "asvd:alfa=1", "--out", dir.resolve("x.onnx").toString());
        assertOneLine(r, "asvd has no option 'alfa'; asvd takes alpha");
        r = run("compress", "--model", model.toString(), "--tokenizer", tokenizer.toString(), "--calib", calib.toString(),
                "--ratio", "0.3", "--method", "basis-sharing", "--allocation", "sensitivity", "--out", dir.resolve("x.onnx").toString());
        assertOneLine(r, "does not apply");
        r = run("compare", "--model", model.toString(), "--tokenizer", tokenizer.toString(), "--methods", "whitened,saes:alpha=-1",
                "--out", dir.resolve("cmp").toString());
        assertOneLine(r, "saes: alpha must be in");
        assertThat(Files.exists(dir.resolve("x.onnx"))).isFalse();
        assertThat(Files.exists(dir.resolve("cmp"))).isFalse();
    }

    private static void assertOneLine(Object[] r, String fragment) {
        assertThat((int) r[0]).as((String) r[2]).isEqualTo(2);
        List<String> lines = ((String) r[2]).lines().filter(l -> l.startsWith("lowrank ")).toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains(fragment);
        assertThat((String) r[2]).doesNotContain("\tat ");
    }

    private static int firstFactorInitializers(Path onnx) throws IOException {
        return (int) OnnxModel.read(onnx).initializerNames().stream().filter(n -> n.endsWith(".lowrank_first")).count();
    }
}
