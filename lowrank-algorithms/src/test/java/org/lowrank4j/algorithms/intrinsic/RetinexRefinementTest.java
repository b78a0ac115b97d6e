package org.lowrank4j.algorithms.intrinsic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.nn.tensor.Precision;

/** The merge network as a refiner of Retinex: starts as Retinex, its gradient chain, the saved thresholds, training, reuse of an ordinal phase. */
class RetinexRefinementTest {
    private static final Retinex RETINEX = new Retinex(0.2, 0.05);
    private static final IntrinsicConfig SMALL = new IntrinsicConfig(16, 32, new int[] {4, 8}, RETINEX);

    @Test
    void anUntrainedRefinerReturnsRetinexShading() {
        IntrinsicModel model = new IntrinsicModel(SMALL, Precision.FLOAT32, 3);
        Raster image = new SceneRenderer(32, 32).render(5).image();
        double[] refined = model.decompose(image, 32).shading().values(), retinex = RETINEX.decompose(image).shading().values();
        assertThat(model.merge().config().inChannels()).isEqualTo(6);
        for (int i = 0; i < retinex.length; i++) {
            assertThat(refined[i]).isCloseTo(retinex[i], org.assertj.core.data.Offset.offset(1e-9 * retinex[i]));
        }
        // a model without the Retinex input is not Retinex
        double[] plain = new IntrinsicModel(new IntrinsicConfig(16, 32, new int[] {4, 8}), Precision.FLOAT32, 3).decompose(image, 32).shading().values();
        assertThat(FiniteDifferences.relativeError(plain, retinex)).isGreaterThan(0.01);
    }

    @Test
    void theOutputMapsDerivativeMatchesFiniteDifferences() {
        for (double y : new double[] {0.1, 0.5, 0.83}) {
            for (double p : new double[] {-2.5, 0, 0.7}) {
                double h = 1e-6;
                double numeric = (RetinexRefinement.inverseShading(y + h, p) - RetinexRefinement.inverseShading(y - h, p)) / (2 * h);
                assertThat(RetinexRefinement.derivative(y, p)).isCloseTo(numeric, org.assertj.core.data.Offset.offset(1e-7));
            }
        }
        // y = ½ is Retinex's own shading: ŝ = 1 / (1 + e^p)
        assertThat(RetinexRefinement.inverseShading(0.5, Math.log(3))).isCloseTo(0.25, org.assertj.core.data.Offset.offset(1e-15));
    }

    @Test
    void atPriorScaleKeepsTheImageAndMatchesTheMeanLog() {
        Scene scene = new SceneRenderer(32, 32).render(9);
        Raster input = Raster.stackChannels(scene.image(), RetinexRefinement.logShading(RETINEX, scene.image()));
        Scene scaled = RetinexRefinement.atPriorScale(scene, input);
        double meanPrior = 0, meanScaled = 0;
        for (int i = 0; i < input.pixels(); i++) {
            meanPrior += input.values()[i * 4 + 3] / input.pixels();
            meanScaled += Math.log(scaled.shading().values()[i]) / input.pixels();
        }
        assertThat(meanScaled).isCloseTo(meanPrior, org.assertj.core.data.Offset.offset(1e-9));
        for (int p = 0; p < input.pixels(); p++) {
            double before = scene.albedo().values()[p * 3] * scene.shading().values()[p];
            assertThat(scaled.albedo().values()[p * 3] * scaled.shading().values()[p]).isCloseTo(before, org.assertj.core.data.Offset.offset(1e-12));
        }
    }

    @Test
    void theThresholdsAreSavedAndTheMergePhaseLowersItsLossFromAReusedOrdinalPhase(@TempDir Path dir) throws Exception {
        Path ordinal = dir.resolve("ordinal");
        IntrinsicPipeline.train(ordinal, false, new IntrinsicConfig(16, 32, new int[] {4, 8}), new TrainingOptions(0, 3, 20, 0, 2, 5e-3, 2), 4,
                (phase, step, steps, loss) -> { });
        List<Double> merge = new ArrayList<>();
        Path refined = dir.resolve("refined");
        IntrinsicPipeline.train(refined, false, new IntrinsicConfig(16, 32, new int[] {4, 8}), true, ordinal, new TrainingOptions(0, 3, 0, 60, 2, 5e-3, 2), 9,
                (phase, step, steps, loss) -> merge.add(loss));
        IntrinsicModel before = IntrinsicModelFolder.read(ordinal), after = IntrinsicModelFolder.read(refined);
        assertThat(after.config().retinexInput()).isNotNull();
        assertThat(after.config().retinexInput().greyThreshold()).isPositive();
        for (int i = 0; i < before.ordinal().parameters().size(); i++) { // the ordinal weights copied from the first model
            assertThat(after.ordinal().parameters().get(i).value().get(0)).isEqualTo(before.ordinal().parameters().get(i).value().get(0));
        }
        assertThat(merge).hasSize(60);
        double first = merge.subList(0, 10).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double last = merge.subList(50, 60).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        System.out.printf("Retinex-refining merge loss %.4f -> %.4f%n", first, last);
        assertThat(last).isLessThan(first);
        // an ordinal phase of another shape is refused in one line
        assertThatThrownBy(() -> IntrinsicPipeline.train(dir.resolve("x"), false, new IntrinsicConfig(16, 32, new int[] {4, 4}), true, ordinal,
                new TrainingOptions(0, 3, 0, 1, 2, 5e-3, 2), 9, (phase, step, steps, loss) -> { })).hasMessageContaining("--ordinal-from");
    }
}
