package org.lowrank4j.compress.allocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.allocation.SensitivityAllocatorTest.PlantedProbe;

/** {@link MeasuredSensitivities}: JSON round trip, resume after an interruption, refusals. */
class SensitivityCacheTest {
    @TempDir
    Path folder;

    @Test
    void roundTripAnswersFromTheFileWithoutMeasuring() throws Exception {
        List<SiteSpectrum> sites = SensitivityAllocatorTest.sites(3, 0.07);
        PlantedProbe probe = new PlantedProbe(sites, new double[] {1, 5, 2});
        Path file = folder.resolve("sens.json");
        MeasuredSensitivities first = MeasuredSensitivities.open(file, "model-a", probe);
        int[] expected = new SensitivityAllocator(first).allocate(sites, 0.3);
        assertThat(first.size()).isEqualTo(3 * 6);
        assertThat(Files.readString(file)).contains("\"key\" : \"model-a\"").contains("block1.ffn.up");

        MeasuredSensitivities reloaded = MeasuredSensitivities.open(file, "model-a", null); // read-only: any call to a probe would fail
        assertThat(reloaded.size()).isEqualTo(18);
        assertThat(reloaded.baseline()).isEqualTo(SensitivityAllocatorTest.BASELINE);
        assertThat(new SensitivityAllocator(reloaded).allocate(sites, 0.3)).isEqualTo(expected);
        int r = SensitivityAllocator.candidateRank(48, 32, 0.6);
        assertThat(reloaded.evaluate("block2.ffn.up", r)).isEqualTo(probe.evaluate("block2.ffn.up", r)); // bit-identical doubles
    }

    @Test
    void interruptedScanResumesWithoutRemeasuring() throws Exception {
        List<SiteSpectrum> sites = SensitivityAllocatorTest.sites(3, 0.07);
        PlantedProbe probe = new PlantedProbe(sites, new double[] {1, 5, 2});
        SensitivityProbe dying = new SensitivityProbe() {
            int left = 7;

            @Override
            public double baseline() {
                return probe.baseline();
            }

            @Override
            public double evaluate(String site, int rank) {
                if (left-- == 0) {
                    throw new IllegalStateException("interrupted");
                }
                return probe.evaluate(site, rank);
            }
        };
        Path file = folder.resolve("nested/sens.json");
        assertThatThrownBy(() -> new SensitivityAllocator(MeasuredSensitivities.open(file, "k", dying)).allocate(sites, 0.3))
                .hasMessageContaining("interrupted");
        PlantedProbe fresh = new PlantedProbe(sites, new double[] {1, 5, 2});
        MeasuredSensitivities resumed = MeasuredSensitivities.open(file, "k", fresh);
        assertThat(resumed.size()).isEqualTo(7);
        new SensitivityAllocator(resumed).allocate(sites, 0.3);
        assertThat(fresh.total.get()).isEqualTo(18 - 7);
        assertThat(resumed.newMeasurements()).isEqualTo(11);
    }

    @Test
    void refusesAnotherKeyBadFilesAndNonFiniteValues() throws Exception {
        List<SiteSpectrum> sites = SensitivityAllocatorTest.sites(2, 0.07);
        Path file = folder.resolve("sens.json");
        MeasuredSensitivities.open(file, "model-a", new PlantedProbe(sites, new double[] {1, 1})).evaluate("block0.ffn.up", 5);
        assertThatThrownBy(() -> MeasuredSensitivities.open(file, "model-b", null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model-a");
        Files.writeString(file, Files.readString(file).replace("\"5\" : ", "\"5\" : \"oops\", \"6\" : "));
        assertThatThrownBy(() -> MeasuredSensitivities.open(file, "model-a", null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("block0.ffn.up");
        Files.writeString(file, "{\"something\": 1}");
        assertThatThrownBy(() -> MeasuredSensitivities.open(file, "model-a", null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a version-1 sensitivity cache");
        SensitivityProbe nan = new SensitivityProbe() {
            @Override
            public double baseline() {
                return 1;
            }

            @Override
            public double evaluate(String site, int rank) {
                return Double.NaN;
            }
        };
        MeasuredSensitivities cache = MeasuredSensitivities.inMemory(nan);
        assertThatThrownBy(() -> cache.evaluate("block 3 ffn.down", 4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("block 3 ffn.down");
        assertThat(cache.size()).isZero();
    }
}
