package org.lowrank4j.compress.recover;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.tensor.Precision;

/** The gradient of the distillation loss with respect to factors and norms against central finite differences (float64). */
class DistillGradientTest {

    @ParameterizedTest(name = "pooling {0}, PELA weight {1}, hinge {2}")
    @CsvSource({"MEAN, 0, false", "CLS, 0, false", "MEAN, 0.5, false", "MEAN, 0.5, true"})
    void gradientMatchesFiniteDifferences(Pooling pooling, double pela, boolean hinge) {
        BertModel teacher = TinyEncoders.teacher(Precision.FLOAT64, 1);
        BertModel student = TinyEncoders.student(teacher, 3, 2);
        DistillOptions options = DistillOptions.builder().pooling(pooling).trainNorms(true).outputWeight(0.7)
                .pela(pela, 1e-3, hinge).build();
        Distiller distiller = Distiller.encoder(teacher, student, options);
        TokenBatch batch = TinyEncoders.batch(0);
        distiller.computeGradients(batch);
        List<Parameter> trainable = distiller.trainableParameters();
        assertThat(trainable).hasSize(2 * 3 * 2 + 2 * 5);
        double worst = 0;
        int checked = 0;
        for (Parameter p : trainable) {
            int size = p.value().size();
            for (int i : new int[] {0, size / 3, size - 1}) {
                double analytic = p.gradient().get(i);
                double numeric = finiteDifference(distiller, batch, p, i, 1e-6);
                double error = Math.abs(analytic - numeric) / Math.max(1e-6, Math.abs(analytic) + Math.abs(numeric));
                worst = Math.max(worst, error);
                assertThat(error).as("%s[%d]: analytic %.9g, numeric %.9g", p.name(), i, analytic, numeric).isLessThan(1e-5);
                checked++;
            }
        }
        System.out.printf("distillation gradient (%s, PELA %.1f%s): %d entries, worst relative error %.2e%n", pooling, pela,
                hinge ? " hinge" : "", checked, worst);
    }

    private static double finiteDifference(Distiller distiller, TokenBatch batch, Parameter p, int i, double h) {
        double saved = p.value().get(i);
        p.value().set(i, saved + h);
        double plus = distiller.loss(batch).total();
        p.value().set(i, saved - h);
        double minus = distiller.loss(batch).total();
        p.value().set(i, saved);
        return (plus - minus) / (2 * h);
    }
}
