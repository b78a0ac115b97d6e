package org.lowrank4j.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Central finite differences in float64 against a layer's backward pass, for its input and every parameter.
 * The scalar checked is {@code L = Σ forward(x) ⊙ R} for a fixed random R, so the output gradient handed to
 * backward is R. Error measure per tensor: {@code ‖g_backward − g_numeric‖₂ / max(‖g_backward‖₂, ‖g_numeric‖₂, f)}
 * with the floor {@code f = 1e-3 · G}, G the largest gradient norm in the same check. The floor only matters for a
 * gradient that is identically zero (the key bias of attention, which softmax cancels): there the ratio of two
 * rounding noises means nothing, and the floor turns it into "zero to within 1e-6 of the gradients around it".
 */
public final class GradientCheck {
    /** The tolerance the issue asks for. */
    public static final double TOLERANCE = 1e-6;
    private static final double STEP = 1e-5;
    private static final double FLOOR_FRACTION = 1e-3;

    private GradientCheck() {
    }

    /** Fills every parameter with N(mean, std²) entries, norms' weights included (so they are not all 1). */
    public static void randomize(Module module, Random random, double std) {
        for (Parameter p : module.parameters()) {
            Tensor v = p.value();
            boolean normWeight = v.rank() == 1 && p.name().endsWith("norm.weight");
            for (int i = 0; i < v.size(); i++) {
                v.set(i, (normWeight ? 1 : 0) + std * random.nextGaussian());
            }
        }
    }

    /**
     * Checks {@code backward(R)} (returning dx, or null when there is no tensor input) against finite differences
     * of {@code Σ forward() ⊙ R} with respect to {@code input} (may be null) and each parameter.
     *
     * @return the largest relative error over all checked tensors
     */
    public static double check(String label, Supplier<Tensor> forward, Function<Tensor, Tensor> backward, Tensor input,
            List<Parameter> parameters, long seed) {
        Tensor out = forward.get();
        Tensor r = Tensor.gaussian(out.precision(), new Random(seed), 1, out.shape());
        for (Parameter p : parameters) {
            p.zeroGradient();
        }
        Tensor dx = backward.apply(r);
        DoubleSupplier loss = () -> dot(forward.get(), r);
        List<String> names = new ArrayList<>();
        List<Tensor[]> pairs = new ArrayList<>();
        if (input != null && dx != null) {
            names.add("input");
            pairs.add(new Tensor[] {dx, numeric(loss, input)});
        }
        for (Parameter p : parameters) {
            names.add(p.name());
            pairs.add(new Tensor[] {p.gradient(), numeric(loss, p.value())});
        }
        double largest = 0;
        for (Tensor[] pair : pairs) {
            largest = Math.max(largest, Math.max(pair[0].norm(), pair[1].norm()));
        }
        List<Double> errors = new ArrayList<>();
        for (Tensor[] pair : pairs) {
            errors.add(relativeError(pair[0], pair[1], FLOOR_FRACTION * largest));
        }
        return report(label, names, errors);
    }

    /** Checks the gradient of a scalar loss with respect to {@code input}. */
    public static double checkScalar(String label, DoubleSupplier loss, Tensor analytic, Tensor input) {
        Tensor numeric = numeric(loss, input);
        double floor = FLOOR_FRACTION * Math.max(analytic.norm(), numeric.norm());
        return report(label, List.of("input"), List.of(relativeError(analytic, numeric, floor)));
    }

    private static double report(String label, List<String> names, List<Double> errors) {
        double max = 0;
        String worst = "";
        for (int i = 0; i < names.size(); i++) {
            assertThat(errors.get(i)).as("%s: relative gradient error of %s", label, names.get(i)).isLessThanOrEqualTo(TOLERANCE);
            if (errors.get(i) >= max) {
                max = errors.get(i);
                worst = names.get(i);
            }
        }
        System.out.printf("gradient check %-42s tensors=%2d max relative error %.2e (%s)%n", label, names.size(), max, worst);
        return max;
    }

    /** dL/dt by central differences, perturbing t in place and restoring it. */
    static Tensor numeric(DoubleSupplier loss, Tensor t) {
        Tensor g = t.zerosLike();
        for (int i = 0; i < t.size(); i++) {
            double original = t.get(i);
            t.set(i, original + STEP);
            double plus = loss.getAsDouble();
            t.set(i, original - STEP);
            double minus = loss.getAsDouble();
            t.set(i, original);
            g.set(i, (plus - minus) / (2 * STEP));
        }
        return g;
    }

    /** ‖a − b‖ / max(‖a‖, ‖b‖), 0 when both are 0: the relative difference of two tensors. */
    public static double compare(Tensor a, Tensor b) {
        return relativeError(a, b, Double.MIN_NORMAL);
    }

    /** ‖a − b‖ / max(‖a‖, ‖b‖, floor). */
    public static double relativeError(Tensor a, Tensor b, double floor) {
        assertThat(a.size()).isEqualTo(b.size());
        double diff = 0;
        for (int i = 0; i < a.size(); i++) {
            double d = a.get(i) - b.get(i);
            diff += d * d;
        }
        double scale = Math.max(floor, Math.max(a.norm(), b.norm()));
        return diff == 0 ? 0 : Math.sqrt(diff) / scale;
    }

    static double dot(Tensor a, Tensor b) {
        double s = 0;
        for (int i = 0; i < a.size(); i++) {
            s += a.get(i) * b.get(i);
        }
        return s;
    }
}
