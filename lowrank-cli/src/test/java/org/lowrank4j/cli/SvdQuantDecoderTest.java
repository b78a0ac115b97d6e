package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lowrank4j.cli.CliRun.okRun;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.safetensors.SafetensorsDtype;
import org.lowrank4j.formats.safetensors.SafetensorsModel;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.arch.llama.QuantizedFolder;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.QuantizedWeight;

/**
 * {@code compress --method svdquant} on a tiny decoder folder: the smoothed sites carry {@code .qinput_scale}, the manifest
 * is format version 2 and says which sites have one, {@link LlamaModel#load} reads the folder back to the same weights
 * (and logits), and {@code perplexity} runs it.
 */
class SvdQuantDecoderTest {
    @TempDir
    static Path dir;

    @Test
    void aSvdquantFolderRoundTripsThroughLlamaModelLoad() throws IOException {
        Path dense = QuantizedDecoderCommandsTest.tinyDecoder(dir.resolve("dense"), false);
        Path text = Files.writeString(dir.resolve("calib.txt"), ("Fellow-Citizens of the Senate and of the House of Representatives: I embrace with"
                + " great satisfaction the opportunity which now presents itself. ").repeat(6));
        Path out = dir.resolve("svdquant");
        okRun("compress", "--model", dense.toString(), "--method", "svdquant:bits=4:group=16:rank=4", "--calib", text.toString(),
                "--calib-windows", "4", "--out", out.toString());

        QuantizedFolder.Manifest m = QuantizedFolder.readManifest(out).orElseThrow();
        assertThat(m.formatVersion()).isEqualTo(2);
        long scaled = m.sites().values().stream().filter(QuantizedFolder.Site::inputScale).count();
        assertThat(scaled).isPositive();
        LlamaModel loaded = LlamaModel.load(out, Precision.FLOAT32);
        try (SafetensorsModel st = SafetensorsModel.open(out)) {
            for (var e : loaded.linearSites().entrySet()) {
                QuantizedWeight q = (QuantizedWeight) e.getValue().weight();
                String name = e.getValue().name();
                boolean stored = st.contains(name + ".qinput_scale");
                assertThat(q.inputScale() != null).as(name).isEqualTo(stored).isEqualTo(m.sites().get(name).inputScale());
                if (stored) {
                    assertThat(st.info(name + ".qinput_scale").dtype()).isEqualTo(SafetensorsDtype.F32);
                    assertThat(st.info(name + ".qinput_scale").shape()).containsExactly(q.inFeatures());
                }
                assertThat(m.sites().get(name).bytes()).isEqualTo(q.bytes());
            }
        }
        // written again from what was loaded, the folder loads to the same logits
        Path again = dir.resolve("again");
        QuantizedFolder.write(loaded, again, out.resolve("tokenizer.json"), m, out);
        LlamaModel reloaded = LlamaModel.load(again, Precision.FLOAT32);
        int[] tokens = {70, 101, 108, 108, 111, 119, 45, 67};
        Tensor a = loaded.forward(tokens, 1, tokens.length), b = reloaded.forward(tokens, 1, tokens.length);
        for (int i = 0; i < a.size(); i++) {
            assertThat(b.get(i)).isEqualTo(a.get(i));
        }
        Object[] ppl = okRun("perplexity", "--model", out.toString(), "--text", text.toString());
        assertThat((String) ppl[1]).contains("perplexity").contains("bits per byte");
    }
}
