package org.lowrank4j.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class RopeScalingTest {
    private static final JsonMapper JSON = new JsonMapper();

    private static JsonNode json(String text) throws IOException {
        return JSON.readTree(text);
    }

    /** reference.json holds frequencies computed by reference.py (numpy, beside it) for five configs of the four types. */
    @Test
    void frequenciesAgreeWithTheIndependentReference() throws IOException {
        JsonNode cases;
        try (InputStream in = RopeScalingTest.class.getResourceAsStream("/rope/reference.json")) {
            cases = JSON.readTree(in);
        }
        assertThat(cases.size()).isEqualTo(5);
        for (JsonNode c : cases) {
            RopeScaling.Frequencies f = RopeScaling.of(c.get("rope_scaling"), "rope_scaling", c.get("head_dim").asInt(), c.get("rope_theta").asDouble(),
                    c.get("max_position_embeddings").asInt());
            JsonNode want = c.get("inverse_frequencies");
            assertThat(f.inverse()).as(c.get("name").asText()).hasSize(want.size());
            for (int i = 0; i < want.size(); i++) {
                assertThat(f.inverse()[i]).as(c.get("name").asText() + " pair " + i).isCloseTo(want.get(i).asDouble(), within(1e-12 * want.get(i).asDouble()));
            }
            assertThat(f.attentionFactor()).as(c.get("name").asText()).isCloseTo(c.get("attention_factor").asDouble(), within(1e-12));
        }
    }

    @Test
    void llama3KeepsShortWavelengthsDividesLongOnesAndBlendsBetween() throws IOException {
        JsonNode s = json("{\"rope_type\":\"llama3\",\"factor\":8.0,\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,"
                + "\"original_max_position_embeddings\":8192}");
        double[] plain = RotaryEmbedding.standardFrequencies(128, 500000);
        double[] scaled = RopeScaling.of(s, "rope_scaling", 128, 500000, 131072).inverse();
        int kept = 0, divided = 0, blended = 0;
        for (int i = 0; i < plain.length; i++) {
            double wavelength = 2 * Math.PI / plain[i];
            if (wavelength < 8192 / 4.0) {
                assertThat(scaled[i]).isEqualTo(plain[i]);
                kept++;
            } else if (wavelength > 8192) {
                assertThat(scaled[i]).isCloseTo(plain[i] / 8, within(1e-15 * plain[i]));
                divided++;
            } else {
                assertThat(scaled[i]).isStrictlyBetween(plain[i] / 8, plain[i]);
                blended++;
            }
        }
        assertThat(kept).isPositive();
        assertThat(divided).isPositive();
        assertThat(blended).isPositive();
    }

    @Test
    void linearDividesEveryFrequencyAndYarnScalesTheTables() throws IOException {
        double[] plain = RotaryEmbedding.standardFrequencies(16, 10000);
        double[] linear = RopeScaling.of(json("{\"type\":\"linear\",\"factor\":2.5}"), "rope_scaling", 16, 10000, 64).inverse();
        for (int i = 0; i < plain.length; i++) {
            assertThat(linear[i]).isCloseTo(plain[i] / 2.5, within(1e-15));
        }
        RopeScaling.Frequencies yarn = RopeScaling.of(json("{\"rope_type\":\"yarn\",\"factor\":4.0}"), "rope_scaling", 16, 10000, 64);
        assertThat(yarn.attentionFactor()).isCloseTo(0.1 * Math.log(4) + 1, within(1e-15));
        assertThat(yarn.inverse()[0]).isEqualTo(plain[0]); // the fastest pair turns many times over the context: kept
        assertThat(yarn.inverse()[7]).isCloseTo(plain[7] / 4, within(1e-15)); // the slowest: interpolated
        RotaryEmbedding tables = RotaryEmbedding.of(yarn, 64);
        for (int p : new int[] {0, 5, 63}) {
            for (int i = 0; i < 8; i++) {
                assertThat(tables.cos(0, p, i)).isCloseTo(yarn.attentionFactor() * Math.cos(p * yarn.inverse()[i]), within(1e-14));
                assertThat(tables.sin(0, p, i)).isCloseTo(yarn.attentionFactor() * Math.sin(p * yarn.inverse()[i]), within(1e-14));
            }
        }
    }

    @Test
    void noScalingAndTheDefaultTypeAreStandard() throws IOException {
        double[] plain = RotaryEmbedding.standardFrequencies(8, 10000);
        assertThat(RopeScaling.of(null, "rope_scaling", 8, 10000, 32).inverse()).containsExactly(plain);
        assertThat(RopeScaling.of(json("null"), "rope_scaling", 8, 10000, 32).inverse()).containsExactly(plain);
        assertThat(RopeScaling.of(json("{\"rope_type\":\"default\"}"), "rope_scaling", 8, 10000, 32).inverse()).containsExactly(plain);
        assertThat(RopeScaling.of(json("{\"rope_theta\":10000.0}"), "rope_parameters", 8, 10000, 32).inverse()).containsExactly(plain);
    }

    @Test
    void unsupportedOrInvalidScalingIsOneLineNamingTheField() {
        assertRefused("{\"rope_type\":\"dynamic\",\"factor\":2.0}", "rope_scaling has rope_type \"dynamic\"", "sequence length");
        assertRefused("{\"rope_type\":\"longrope\",\"short_factor\":[1],\"long_factor\":[1]}", "\"longrope\"", "supported: default, linear, llama3, yarn");
        assertRefused("{\"factor\":2.0}", "rope_scaling names no rope_type");
        assertRefused("{\"rope_type\":\"linear\"}", "rope_scaling (rope_type linear) needs factor");
        assertRefused("{\"rope_type\":\"linear\",\"factor\":0.5}", "rope_scaling.factor must be at least 1");
        assertRefused("{\"rope_type\":\"linear\",\"factor\":\"2\"}", "rope_scaling.factor must be a finite number");
        assertRefused("{\"rope_type\":\"llama3\",\"factor\":8.0,\"low_freq_factor\":4.0,\"high_freq_factor\":1.0,"
                + "\"original_max_position_embeddings\":8192}", "high_freq_factor 1.0 must exceed low_freq_factor 4.0");
        assertRefused("{\"rope_type\":\"llama3\",\"factor\":8.0}", "needs low_freq_factor");
        assertRefused("{\"rope_type\":\"yarn\",\"factor\":40.0,\"mscale\":1.0,\"mscale_all_dim\":1.0}", "rope_scaling.mscale");
        assertRefused("{\"rope_type\":\"yarn\",\"factor\":4.0,\"original_max_position_embeddings\":32768}", "differs from max_position_embeddings",
                "set max_position_embeddings to 131072");
        assertRefused("[1, 2]", "rope_scaling must be an object");
    }

    private static void assertRefused(String scaling, String... parts) {
        assertThatThrownBy(() -> RopeScaling.of(json(scaling), "rope_scaling", 64, 10000, 32768)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContainingAll(parts).hasMessageNotContaining("\n");
    }
}
