package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lowrank4j.cli.CliRun.okRun;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.formats.safetensors.SafetensorsDtype;
import org.lowrank4j.formats.safetensors.SafetensorsModel;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.FloatMatrix;
import org.lowrank4j.linalg.quant.QuantizationFormat;
import org.lowrank4j.linalg.quant.RoundToNearest;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.arch.llama.QuantizedFolder;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;
import org.lowrank4j.nn.weight.QuantizedWeight;

/**
 * {@code compress --method rtn|gptq|eora|lq-lora} on a decoder folder (a tiny random byte-level LLaMA): the quantized
 * folder it writes, that {@code perplexity} and {@code generate} run it through {@link QuantizedWeight}, the byte
 * budget, and each user mistake as one line with nothing written over an input.
 */
class QuantizedDecoderCommandsTest {
    private static final String TEXT = """
            Fellow-Citizens of the Senate and of the House of Representatives: I embrace with great satisfaction the
            opportunity which now presents itself of congratulating you on the present favorable prospects of our public
            affairs. The recent accession of the important State of North Carolina to the Constitution of the United
            States gives me great pleasure. The Congress met in the capital and the treaty was signed in the spring.
            """;

    @TempDir
    static Path dir;
    private static Path dense, text, rtn;

    @BeforeAll
    static void denseDecoderAndItsRtnFolder() throws IOException {
        dense = tinyDecoder(dir.resolve("dense"), false);
        text = Files.writeString(dir.resolve("calib.txt"), TEXT.repeat(3));
        rtn = dir.resolve("rtn4");
        okRun("compress", "--model", dense.toString(), "--method", "rtn:bits=4:group=16", "--out", rtn.toString());
    }

    /** A random byte-level LLaMA (C=32, MLP 48, 2 layers, GQA 4 over 2 heads, context 16), optionally with a NaN weight. */
    static Path tinyDecoder(Path folder, boolean nan) throws IOException {
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(32).intermediateSize(48).numHiddenLayers(2).numAttentionHeads(4)
                .numKeyValueHeads(2).vocabSize(256).maxPositionEmbeddings(16).tieWordEmbeddings(true).build();
        LlamaModel model = LlamaModel.create(config, Precision.FLOAT32);
        model.initialize(new Random(1));
        if (nan) {
            ((DenseWeight) model.linearSites().get("block 1 mlp.up").weight()).weight().value().set(7, Double.NaN);
        }
        Files.createDirectories(folder);
        model.save(folder);
        ByteTokenizer.writeJson(folder);
        return folder;
    }

    private static void assertOneLineError(Object[] result, String... fragments) {
        String err = (String) result[2];
        assertThat((int) result[0]).as(err).isEqualTo(2);
        List<String> lines = err.lines().filter(l -> l.startsWith("lowrank ")).toList();
        assertThat(lines).as(err).hasSize(1);
        for (String f : fragments) {
            assertThat(lines.get(0)).contains(f);
        }
        assertThat(err).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void rtnWritesCodesScalesAndZerosThatLoadAsTheRoundedWeights() throws IOException {
        try (SafetensorsModel st = SafetensorsModel.open(rtn)) {
            String q = "model.layers.0.mlp.down_proj";
            assertThat(st.info(q + ".qweight").dtype()).isEqualTo(SafetensorsDtype.U8);
            assertThat(st.info(q + ".qweight").shape()).containsExactly(32, 24);  // 48 inputs · 4 bits = 24 bytes per row
            assertThat(st.info(q + ".qscales").shape()).containsExactly(32, 3);   // 48 / 16 groups
            assertThat(st.info(q + ".qzeros").shape()).containsExactly(32, 2);    // 3 zero points · 4 bits, a byte per row rounded up
            assertThat(st.contains(q + ".weight")).isFalse();
            assertThat(st.metadata()).containsEntry("lowrank4j.quant." + q, "asymmetric:4:16");
        }
        QuantizedFolder.Manifest m = QuantizedFolder.readManifest(rtn).orElseThrow();
        assertThat(m.formatVersion()).isEqualTo(1); // no site has an input scale (svdquant), so older readers load it
        assertThat(m.sites()).hasSize(14);
        assertThat(m.bitsPerWeight()).isGreaterThan(4).isLessThan(7);

        LlamaModel original = LlamaModel.load(dense, Precision.FLOAT32), loaded = LlamaModel.load(rtn, Precision.FLOAT32);
        for (var e : loaded.linearSites().entrySet()) {
            assertThat(e.getValue().weight()).isInstanceOf(QuantizedWeight.class);
            Tensor w = ((DenseWeight) original.linearSites().get(e.getKey()).weight()).weight().value();
            FloatMatrix expected = RoundToNearest.quantize(toMatrix(w), QuantizationFormat.asymmetric(4, 16)).dequantize();
            Tensor got = e.getValue().weight().toDense();
            for (int i = 0; i < got.size(); i++) {
                assertThat(got.get(i)).isEqualTo((double) expected.data()[i]);
            }
        }
        Object[] ppl = okRun("perplexity", "--model", rtn.toString(), "--text", text.toString());
        assertThat((String) ppl[1]).contains("perplexity").contains("bits per byte");
        Object[] gen = okRun("generate", "--model", rtn.toString(), "--prompt", "The Congress", "--max-tokens", "5");
        assertThat((String) gen[1]).startsWith("The Congress");
    }

    @Test
    void gptqAtThreeBitsAndEoraUnderATargetSizeWriteFoldersThatRun() throws IOException {
        Path gptq = dir.resolve("gptq3");
        okRun("compress", "--model", dense.toString(), "--method", "gptq:bits=3:group=16", "--calib", text.toString(), "--calib-windows", "4",
                "--threads", "1", "--out", gptq.toString());
        assertThat(QuantizedFolder.readManifest(gptq).orElseThrow().sites().values()).allMatch(s -> s.bits() == 3 && s.rank() == 0);

        long base = Files.size(gptq.resolve("model.safetensors"));
        long target = base + 6000;
        Path eora = dir.resolve("eora3");
        okRun("compress", "--model", dense.toString(), "--method", "eora:bits=3:group=16", "--calib", text.toString(), "--calib-windows", "4",
                "--threads", "1", "--target-size", Long.toString(target), "--out", eora.toString());
        assertThat(Files.size(eora.resolve("model.safetensors"))).isLessThanOrEqualTo(target).isGreaterThan(base);
        QuantizedFolder.Manifest m = QuantizedFolder.readManifest(eora).orElseThrow();
        assertThat(m.targetBytes()).isEqualTo(target);
        assertThat(m.sites().values().stream().mapToInt(QuantizedFolder.Site::rank).sum()).isPositive();
        LlamaModel loaded = LlamaModel.load(eora, Precision.FLOAT32);
        assertThat(loaded.linearSites().values()).anyMatch(l -> ((QuantizedWeight) l.weight()).branch() != null);
        okRun("perplexity", "--model", eora.toString(), "--text", text.toString());

        Path lq = dir.resolve("lq");
        okRun("compress", "--model", dense.toString(), "--method", "lq-lora:bits=4:group=16:rank=2:iterations=2", "--out", lq.toString());
        assertThat(QuantizedFolder.readManifest(lq).orElseThrow().sites().values()).allMatch(s -> s.format().equals("nf:4:16") && s.rank() == 2);
        okRun("generate", "--model", lq.toString(), "--prompt", "The", "--max-tokens", "3");
    }

    /**
     * LoRA over a quantized folder (QLoRA's setting): {@code finetune} trains adapters over the frozen 4-bit codes, counts
     * its trainable values against the whole model (the codes' weights included, not only the float parameters), leaves
     * the folder as it was, and the adapter scores on that folder.
     */
    @Test
    void loraTrainsOverTheFrozenCodesOfAQuantizedFolder() throws IOException {
        Path adapter = dir.resolve("rtn4-lora");
        byte[] before = Files.readAllBytes(rtn.resolve("model.safetensors"));
        String out = (String) okRun("finetune", "--model", rtn.toString(), "--data", text.toString(), "--out", adapter.toString(), "--rank", "4",
                "--steps", "6", "--batch", "2", "--context", "16", "--lr", "1e-2", "--warmup", "1", "--held-out", "0.2")[1];
        long whole = LlamaModel.load(dense, Precision.FLOAT32).parameterCount();
        assertThat(out).contains(String.format(java.util.Locale.ROOT, "trainable of %,d parameters", whole)).contains("adapted held-out perplexity");
        assertThat(Files.readAllBytes(rtn.resolve("model.safetensors"))).isEqualTo(before);
        okRun("adapter", "perplexity", "--model", rtn.toString(), "--adapter", adapter.toString(), "--data", text.toString(), "--held-out", "0.2");
        // merged, the folder holds float weights (the dequantized codes plus the updates), and says so
        Path merged = dir.resolve("rtn4-lora-merged");
        String said = (String) okRun("adapter", "merge", "--model", rtn.toString(), "--adapter", adapter.toString(), "--out", merged.toString())[1];
        assertThat(said).contains("is a quantized folder (rtn:bits=4:group=16)").contains("--method rtn:bits=4:group=16");
        assertThat(QuantizedFolder.readManifest(merged)).isEmpty();
        assertThat(LlamaModel.load(merged, Precision.FLOAT32).linearSites().values()).allMatch(l -> l.weight() instanceof DenseWeight);
    }

    /**
     * {@code recover} on an EoRA folder trains the float branches with the quantized codes frozen and writes a quantized
     * folder again: the same codes, scales and zero points byte for byte, other branch factors, the recovery in its manifest.
     * A folder without branches (rtn) is refused in one line.
     */
    @Test
    void recoverTrainsTheBranchesOfAQuantizedFolderAndKeepsItsCodes() throws IOException {
        Path eora = dir.resolve("eora4");
        okRun("compress", "--model", dense.toString(), "--method", "eora:bits=4:group=16:rank=4", "--calib", text.toString(), "--calib-windows",
                "4", "--threads", "1", "--out", eora.toString());
        Path out = dir.resolve("eora4-recovered");
        Object[] r = okRun("recover", "--original", dense.toString(), "--compressed", eora.toString(), "--out", out.toString(), "--text",
                text.toString(), "--steps", "4", "--batch", "2", "--window", "8", "--lr", "1e-3", "--threads", "1", "--eval-text", text.toString());
        assertThat((String) r[1]).contains(out.toString());

        QuantizedFolder.Manifest m = QuantizedFolder.readManifest(out).orElseThrow();
        assertThat(m.method()).isEqualTo(QuantizedFolder.readManifest(eora).orElseThrow().method());
        assertThat(m.sites().values()).allMatch(site -> site.rank() == 4);
        assertThat(Files.readString(out.resolve(QuantizedFolder.MANIFEST))).contains("\"recovery\"").contains("\"steps\" : 4");
        int changedBranches = 0;
        try (SafetensorsModel before = SafetensorsModel.open(eora); SafetensorsModel after = SafetensorsModel.open(out)) {
            for (String name : before.names()) {
                if (name.endsWith(".qweight") || name.endsWith(".qscales") || name.endsWith(".qzeros")) {
                    assertThat(bytes(after, name)).as(name).isEqualTo(bytes(before, name));
                } else if (name.endsWith(".qbranch_A") && !java.util.Arrays.equals(after.readFloats(name), before.readFloats(name))) {
                    changedBranches++;
                }
            }
        }
        assertThat(changedBranches).isPositive();
        assertThat(LlamaModel.load(out, Precision.FLOAT32).linearSites().values()).allMatch(l -> ((QuantizedWeight) l.weight()).branch() != null);
        okRun("perplexity", "--model", out.toString(), "--text", text.toString());

        assertOneLineError(CliRun.run("recover", "--original", dense.toString(), "--compressed", rtn.toString(), "--out",
                dir.resolve("x8").toString(), "--text", text.toString(), "--steps", "2"), "no low-rank branch");
        assertThat(dir.resolve("x8")).doesNotExist();
    }

    @Test
    void eachMistakeIsOneLineAndNoInputIsWritten() throws IOException {
        long denseBytes = Files.size(dense.resolve("model.safetensors"));
        assertOneLineError(CliRun.run("compress", "--model", dense.toString(), "--method", "rtn:bits=5", "--out", dir.resolve("x1").toString()),
                "unsupported bit width 5");
        assertOneLineError(CliRun.run("compress", "--model", dense.toString(), "--method", "rtn:bits=4:group=24", "--out", dir.resolve("x2").toString()),
                "group=24 does not divide the 32 inputs");
        assertOneLineError(CliRun.run("compress", "--model", rtn.toString(), "--method", "gptq", "--calib", text.toString(), "--out",
                dir.resolve("x3").toString()), "already a quantized model folder");
        assertOneLineError(CliRun.run("compress", "--model", rtn.toString(), "--method", "svd", "--ratio", "0.2", "--out",
                dir.resolve("x4").toString()), "is a quantized model folder");
        Path nan = tinyDecoder(dir.resolve("nan"), true);
        assertOneLineError(CliRun.run("compress", "--model", nan.toString(), "--method", "rtn", "--out", dir.resolve("x5").toString()),
                "model.layers.1.mlp.up_proj.weight", "non-finite");
        assertOneLineError(CliRun.run("compress", "--model", dense.toString(), "--method", "rtn:embeddings=int8", "--out",
                dir.resolve("x6").toString()), "embeddings=int8");
        assertOneLineError(CliRun.run("compress", "--model", dense.toString(), "--method", "eora:branch=int8", "--calib", text.toString(), "--out",
                dir.resolve("x6b").toString()), "branch=int8 is written to ONNX encoders only");
        assertOneLineError(CliRun.run("compress", "--model", dense.toString(), "--method", "rtn:bits=2:group=16", "--target-size", "1000", "--out",
                dir.resolve("x7").toString()), "above --target-size");
        assertOneLineError(CliRun.run("compress", "--model", dense.toString(), "--method", "rtn", "--out", dense.toString(), "--force"));
        for (int i = 1; i <= 7; i++) {
            assertThat(dir.resolve("x" + i)).doesNotExist();
        }
        assertThat(dir.resolve("x6b")).doesNotExist();
        assertThat(Files.size(dense.resolve("model.safetensors"))).isEqualTo(denseBytes);
        assertThat(LlamaModel.load(dense, Precision.FLOAT32).linearSites().values()).allMatch(l -> l.weight() instanceof DenseWeight);
    }

    private static byte[] bytes(SafetensorsModel model, String name) {
        java.nio.ByteBuffer b = model.shardOf(name).bytes(name);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static DoubleMatrix toMatrix(Tensor w) {
        DoubleMatrix m = DoubleMatrix.zeros(w.dim(0), w.dim(1));
        for (int i = 0; i < w.dim(0); i++) {
            for (int j = 0; j < w.dim(1); j++) {
                m.set(i, j, w.get(i * w.dim(1) + j));
            }
        }
        return m;
    }
}
