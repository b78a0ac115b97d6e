package org.lowrank4j.adapt.rmm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.adapt.lora.LoraSettings;
import org.lowrank4j.adapt.peft.LoraFactors;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.PeftConfig;

/** A reversible merge written and read back reverts to the same adapters, and a damaged folder is refused in one line. */
class RmmFolderTest {
    private static List<PeftAdapter> tasks(int n) {
        Random random = new Random(5);
        List<PeftAdapter> out = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            Map<String, LoraFactors> m = new LinkedHashMap<>();
            for (String path : new String[] {"model.layers.0.self_attn.q_proj", "model.layers.1.self_attn.v_proj"}) {
                float[] a = new float[2 * 6], b = new float[5 * 2];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) random.nextGaussian();
                }
                for (int i = 0; i < b.length; i++) {
                    b[i] = (float) random.nextGaussian();
                }
                m.put(path, new LoraFactors(2, 6, 5, a, b, 4));
            }
            out.add(new PeftAdapter(PeftConfig.lora(LoraSettings.of(2, 4), List.of("q_proj", "v_proj"), "tiny", "CAUSAL_LM"), m));
        }
        return out;
    }

    @Test
    void revertsAfterARoundTrip(@TempDir Path dir) throws IOException {
        ReversibleMerge merge = ReversibleMerge.of(tasks(3), 2);
        RmmFolder.write(dir, merge, List.of("news", "law", "poems"));
        RmmFolder.Stored stored = RmmFolder.read(dir);
        assertThat(stored.taskNames()).containsExactly("news", "law", "poems");
        assertThat(stored.task("law")).isEqualTo(1);
        assertThat(stored.task("2")).isEqualTo(2);
        for (int t = 0; t < 3; t++) {
            PeftAdapter before = merge.revert(t), after = stored.merge().revert(t);
            for (String path : before.modules().keySet()) {
                float[] a0 = before.modules().get(path).a(), a1 = after.modules().get(path).a();
                float[] b0 = before.modules().get(path).b(), b1 = after.modules().get(path).b();
                for (int i = 0; i < a0.length; i++) {
                    assertThat((double) a1[i]).isCloseTo(a0[i], org.assertj.core.data.Offset.offset(1e-5 * (1 + Math.abs(a0[i]))));
                }
                for (int i = 0; i < b0.length; i++) {
                    assertThat((double) b1[i]).isCloseTo(b0[i], org.assertj.core.data.Offset.offset(1e-5 * (1 + Math.abs(b0[i]))));
                }
            }
        }
        assertThatThrownBy(() -> stored.task("music")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[news, law, poems]");
    }

    @Test
    void refusesWhatIsNotAMerge(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> RmmFolder.read(dir)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("adapter rmm");
        RmmFolder.write(dir, ReversibleMerge.of(tasks(2), 2), List.of("a", "b"));
        Path config = dir.resolve(RmmFolder.CONFIG);
        String good = Files.readString(config);
        Files.writeString(config, good.replace("\"format_version\" : 1", "\"format_version\" : 9"));
        assertThatThrownBy(() -> RmmFolder.read(dir)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("version");
        Files.writeString(config, good.replace("\"bases\" : 2", "\"bases\" : 3"));
        assertThatThrownBy(() -> RmmFolder.read(dir)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bases");
        Files.writeString(config, good.replace("\"bases\" : 2", "\"bases\" : \"two\""));
        assertThatThrownBy(() -> RmmFolder.read(dir)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bases must be a whole number");
        Files.writeString(config, good.replaceFirst("\"task_ranks\" : \\[ 2, 2 \\]", "\"task_ranks\" : [ 2, 5 ]"));
        assertThatThrownBy(() -> RmmFolder.read(dir)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("task_ranks[1] must be");
        Files.writeString(config, good.replaceAll(",\\s*\"task_ranks\" : \\[ 2, 2 \\]", "")); // written before task_ranks: every task at the padded rank
        assertThat(RmmFolder.read(dir).merge().revert(1).modules().values()).allSatisfy(f -> assertThat(f.rank()).isEqualTo(2));
        Files.writeString(config, good.replace("\"rank\" : 2", "\"rank\" : 3"));
        assertThatThrownBy(() -> RmmFolder.read(dir)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected")
                .hasMessageNotContaining("\n");
    }

    /** A NaN in the weights was refused with the file named twice ("F: tensor T cannot be read: F: tensor 'T' has non-finite values …"). */
    @Test
    void aNonFiniteValueNamesTheFileOnce(@TempDir Path dir) throws IOException {
        RmmFolder.write(dir, ReversibleMerge.of(tasks(2), 1), List.of("a", "b"));
        Path weights = dir.resolve(RmmFolder.WEIGHTS);
        String basis = "model.layers.0.self_attn.q_proj.A.basis", eigenvalues = "model.layers.0.self_attn.q_proj.A.eigenvalues";
        byte[] good = Files.readAllBytes(weights);
        for (String tensor : new String[] {basis, eigenvalues}) {
            long at;
            try (org.lowrank4j.formats.safetensors.SafetensorsFile st = org.lowrank4j.formats.safetensors.SafetensorsFile.open(weights)) {
                at = 8 + java.nio.ByteBuffer.wrap(good, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong() + st.info(tensor).begin();
            }
            byte[] damaged = good.clone();
            java.nio.ByteBuffer view = java.nio.ByteBuffer.wrap(damaged).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            if (tensor.equals(basis)) {
                view.putFloat((int) at, Float.NaN);
            } else {
                view.putDouble((int) at, Double.NaN);
            }
            Files.write(weights, damaged);
            Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> RmmFolder.read(dir));
            assertThat(t).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(weights + ": tensor " + tensor + " holds NaN")
                    .hasMessageContaining("merge the adapters again").hasMessageNotContaining("\n");
            assertThat(t.getMessage().split(java.util.regex.Pattern.quote(weights.toString()), -1)).hasSize(2); // named once
        }
    }
}
