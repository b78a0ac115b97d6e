package org.lowrank4j.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.adapt.lora.LoraSettings;
import org.lowrank4j.adapt.lora.ModulePaths;
import org.lowrank4j.adapt.lora.TargetModules;
import org.lowrank4j.adapt.peft.PeftConfig;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.quant.QuantizationFormat;
import org.lowrank4j.linalg.quant.RoundToNearest;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.QuantizedWeight;

/**
 * A LoRA adapter written into the graph unmerged: over dense and 4-bit bases the graph computes what the JVM runtime
 * computes with the adapter attached, and {@code export --adapter} writes and checks a folder with it.
 */
class AdapterExportTest {
    private static final List<String> TARGETS = List.of("q_proj", "v_proj", "down_proj");

    @TempDir
    Path dir;

    private static LlamaModel model() {
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(32).intermediateSize(48).numHiddenLayers(2).numAttentionHeads(4)
                .numKeyValueHeads(2).vocabSize(40).maxPositionEmbeddings(24).tieWordEmbeddings(true).build();
        LlamaModel model = LlamaModel.create(config, Precision.FLOAT32);
        model.initialize(new Random(5));
        return model;
    }

    /** An adapter on q, v and down with random A and B (B starts at zero in training, which would hide a missing branch). */
    private static LoraModel adapt(LlamaModel model, long seed) {
        LoraModel lora = LoraModel.over(ModulePaths.decoder(model), 0);
        lora.addAdapter("default", TargetModules.names(TARGETS), m -> LoraSettings.of(4, 8), new Random(seed));
        Random random = new Random(seed + 1);
        for (Parameter p : lora.parameters()) {
            for (int i = 0; i < p.value().size(); i++) {
                p.value().set(i, 0.3 * random.nextGaussian());
            }
        }
        return lora;
    }

    @Test
    void anUnmergedAdapterOverDenseAndFourBitProjectionsAgrees() throws Exception {
        LlamaModel model = model();
        Random random = new Random(7);
        for (Linear l : List.of(model.block(0).attention().query(), model.block(1).attention().value())) {
            double[] w = new double[l.outFeatures() * l.inFeatures()];
            for (int i = 0; i < w.length; i++) {
                w[i] = 0.2 * random.nextGaussian();
            }
            l.setWeight(QuantizedWeight.of(l.name(), RoundToNearest.quantize(DoubleMatrix.wrap(w, l.outFeatures(), l.inFeatures()),
                    QuantizationFormat.asymmetric(4, 16)), Precision.FLOAT32));
        }
        adapt(model, 11);
        DecoderGraph.Built built = LlamaGraph.build(model, null);
        OnnxAgreement.assertAgrees(dir, model, built);
        assertThat(built.sites()).filteredOn(s -> s.form().contains("LoRA")).extracting(DecoderExport.Site::name).hasSize(6);
        assertThat(built.sites()).filteredOn(s -> s.name().equals("model.layers.0.self_attn.q_proj")).singleElement()
                .satisfies(s -> assertThat(s.form()).startsWith("quantized").contains("+ LoRA 'default' r=4"));
    }

    @Test
    void exportWithAnAdapterWritesAndChecksIt() throws Exception {
        LlamaModel model = model();
        Path base = Files.createDirectories(dir.resolve("base"));
        model.save(base);
        Path adapter = dir.resolve("adapter");
        PeftFolder.write(adapter, PeftFolder.capture(adapt(model, 13), "default", PeftConfig.lora(LoraSettings.of(4, 8), TARGETS, "tiny",
                "CAUSAL_LM")));
        Path out = dir.resolve("out");
        DecoderExport.Report report = DecoderExport.run(new DecoderExport.Request(base, out, false, 10, 4, 1, adapter), s -> { });
        assertThat(report.check().passed()).isTrue();
        assertThat(report.sites()).filteredOn(s -> s.form().equals("dense + LoRA 'default' r=4")).hasSize(6);
        assertThat(Files.readString(out.resolve(DecoderExport.RECORD))).contains("\"adapter\"");
        // without the adapter the file differs: the check of the base model against it fails
        DecoderExport.Check check = DecoderExport.check(LlamaModel.load(base, Precision.FLOAT32), out.resolve(DecoderExport.MODEL), 10, 4, 1);
        assertThat(check.passed()).isFalse();
        assertThatThrownBy(() -> DecoderExport.run(new DecoderExport.Request(base, dir.resolve("o2"), false, 0, 0, 1, dir.resolve("none")), s -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("none");
    }
}
