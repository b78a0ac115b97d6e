package org.lowrank4j.nn.arch.bert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.formats.safetensors.SafetensorsModel;
import org.lowrank4j.formats.safetensors.SafetensorsWriter;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.FloatTensor;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

class BertSafetensorsTest {
    @TempDir
    Path dir;

    @Test
    void saveThenLoadGivesTheSameModelAndOutputs() throws Exception {
        BertModel model = BertModelTest.random(BertModelTest.TINY, Precision.FLOAT32, 1);
        BertSafetensors.save(model, dir);
        BertModel loaded = BertSafetensors.load(dir, Precision.FLOAT32);
        assertThat(loaded.config()).isEqualTo(model.config());
        List<Parameter> a = model.parameters(), b = loaded.parameters();
        for (int i = 0; i < a.size(); i++) {
            assertThat(((FloatTensor) b.get(i).value()).data()).as(a.get(i).name()).containsExactly(((FloatTensor) a.get(i).value()).data());
        }
        Tensor y1 = model.forward(BertModelTest.IDS, BertModelTest.TYPES, BertModelTest.MASK, 2, 5);
        Tensor y2 = loaded.forward(BertModelTest.IDS, BertModelTest.TYPES, BertModelTest.MASK, 2, 5);
        assertThat(((FloatTensor) y2).data()).containsExactly(((FloatTensor) y1).data());
    }

    @Test
    void acceptsTheBertPrefixOfTaskCheckpoints() throws Exception {
        BertModel model = BertModelTest.random(BertModelTest.TINY, Precision.FLOAT64, 2);
        Path plain = dir.resolve("plain");
        BertSafetensors.save(model, plain);
        Path prefixed = dir.resolve("prefixed");
        rewrite(plain, prefixed, name -> "bert." + name, null);
        BertModel loaded = BertSafetensors.load(prefixed, Precision.FLOAT64);
        assertThat(loaded.parameters().get(0).value().get(17)).isEqualTo((double) (float) model.parameters().get(0).value().get(17));
    }

    @Test
    void missingTensorIsNamed() throws Exception {
        Path plain = dir.resolve("plain");
        BertSafetensors.save(BertModel.zeros(BertModelTest.TINY, Precision.FLOAT32), plain);
        Path broken = dir.resolve("broken");
        rewrite(plain, broken, name -> name.equals("encoder.layer.1.attention.self.value.bias") ? null : name, null);
        assertThatThrownBy(() -> BertSafetensors.load(broken, Precision.FLOAT32))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("encoder.layer.1.attention.self.value.bias");
    }

    @Test
    void wrongShapeIsNamed() throws Exception {
        Path plain = dir.resolve("plain");
        BertSafetensors.save(BertModel.zeros(BertModelTest.TINY, Precision.FLOAT32), plain);
        Path broken = dir.resolve("broken");
        rewrite(plain, broken, name -> name, "encoder.layer.0.intermediate.dense.weight");
        assertThatThrownBy(() -> BertSafetensors.load(broken, Precision.FLOAT32))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("encoder.layer.0.intermediate.dense.weight").hasMessageContaining("[24, 16]");
    }

    /** Copies a checkpoint renaming (null: dropping) tensors, and transposing the shape of {@code reshape}. */
    private static void rewrite(Path from, Path to, java.util.function.UnaryOperator<String> rename, String reshape) throws Exception {
        java.nio.file.Files.createDirectories(to);
        HfConfig.read(from).write(to.resolve(HfConfig.FILE_NAME));
        SafetensorsWriter writer = new SafetensorsWriter();
        try (SafetensorsModel source = SafetensorsModel.open(from)) {
            for (String name : source.names()) {
                String target = rename.apply(name);
                if (target != null) {
                    long[] shape = source.info(name).shape();
                    if (name.equals(reshape)) {
                        shape = new long[] {shape[1], shape[0]};
                    }
                    writer.add(target, shape, source.readFloats(name));
                }
            }
        }
        writer.write(to.resolve(SafetensorsModel.SINGLE_FILE));
    }
}
