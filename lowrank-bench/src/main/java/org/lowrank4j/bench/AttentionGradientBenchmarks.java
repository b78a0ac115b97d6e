package org.lowrank4j.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Random;
import org.lowrank4j.adapt.fastgrad.AttentionCore;
import org.lowrank4j.adapt.fastgrad.ExactAttention;
import org.lowrank4j.adapt.fastgrad.LoraAttentionHead;
import org.lowrank4j.adapt.fastgrad.TaylorAttention;
import org.lowrank4j.adapt.fastgrad.TaylorFeatures;
import org.lowrank4j.adapt.lora.LoraAdapter;
import org.lowrank4j.adapt.lora.LoraWeight;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/**
 * Spec 19's claim, measured: the LoRA gradient of one attention head (forward and backward, LoRA r = 4 on W_Q, W_K and
 * W_V, float64; over every token, then causal) through the exact O(L²·d) attention against the Taylor-feature path, O(L·w·d²), where the paper says the
 * latter wins: small head dimension d, bounded scores, long sequences. The inputs are drawn so that the scores stay
 * small (tokens U(−0.5, 0.5), projections N(0, 1/n)); the degree is the smallest whose a-priori bound on every attention
 * weight's relative error is at most {@code tolerance}. Each L times both paths alternately and reports the medians,
 * the speed-up and the largest relative error of the six adapter gradients against the exact path.
 */
final class AttentionGradientBenchmarks {
    private static final int INPUT = 64, RANK = 4;
    private final boolean quick;

    AttentionGradientBenchmarks(boolean quick) {
        this.quick = quick;
    }

    void sweep(ObjectNode out, double tolerance) {
        int rounds = quick ? 3 : 5;
        List<Integer> lengths = quick ? List.of(256, 1024, 2048) : List.of(256, 512, 1024, 2048, 4096, 8192);
        out.put("input_width", INPUT);
        out.put("lora_rank", RANK);
        out.put("tolerance", tolerance);
        out.put("rounds", rounds);
        ArrayNode rows = out.putArray("runs");
        System.out.printf("LoRA gradient of one head, exact vs Taylor features (n = %d, r = %d, tolerance %.0e, median of %d)%n", INPUT, RANK, tolerance,
                rounds);
        System.out.printf("%6s %4s %6s %6s %7s %9s %11s %11s %8s %10s%n", "causal", "d", "L", "degree", "width", "bound", "exact s", "taylor s", "speed-up",
                "rel. error");
        for (boolean causal : List.of(false, true)) {
            for (int d : List.of(4, 8)) {
                for (int n : lengths) {
                    measure(rows, causal, d, n, rounds, tolerance);
                }
            }
        }
        // The decoders of this project have d = 40: the width the feature map would need there.
        ObjectNode wide = out.putObject("features_at_head_dim_40");
        for (int g = 1; g <= 4; g++) {
            wide.put("degree_" + g, TaylorFeatures.width(40, g));
        }
    }

    /** One row: both paths on one head of dimension d over n tokens, alternately, and the difference of their gradients. */
    private static void measure(ArrayNode rows, boolean causal, int d, int n, int rounds, double tolerance) {
        Random random = new Random(1000L * d + n);
        Tensor x = uniform(random, 0.5, n, INPUT), dOut = uniform(random, 1, n, d);
        LoraAttentionHead exactHead = head(d, 7), taylorHead = head(d, 7);
        ExactAttention exact = new ExactAttention(causal);
        // The degree from the scores the head actually produces.
        exactHead.forward(x, exact);
        double beta = exactHead.scoreBound();
        int degree = TaylorFeatures.degreeFor(beta, tolerance);
        TaylorAttention taylor = new TaylorAttention(new TaylorFeatures(d, degree), causal);
        double[] seconds = Stopwatch.alternate(new int[] {rounds, rounds},
                () -> step(exactHead, exact, x, dOut), () -> step(taylorHead, taylor, x, dOut));
        double error = 0;
        List<Parameter> a = exactHead.parameters(), b = taylorHead.parameters();
        for (Parameter p : a) {
            p.gradient().fill(0);
        }
        for (Parameter p : b) {
            p.gradient().fill(0);
        }
        step(exactHead, exact, x, dOut);
        step(taylorHead, taylor, x, dOut);
        for (int i = 0; i < a.size(); i++) {
            error = Math.max(error, relative(a.get(i).gradient(), b.get(i).gradient()));
        }
        ObjectNode row = rows.addObject();
        row.put("causal", causal);
        row.put("head_dim", d);
        row.put("tokens", n);
        row.put("degree", degree);
        row.put("features", taylor.features().width());
        row.put("score_bound", beta);
        row.put("error_bound", TaylorFeatures.errorBound(beta, degree));
        row.put("exact_seconds", seconds[0]);
        row.put("taylor_seconds", seconds[1]);
        row.put("speedup", seconds[0] / seconds[1]);
        row.put("max_relative_error_of_adapter_gradients", error);
        System.out.printf("%6s %4d %6d %6d %7d %9.1e %11.4f %11.4f %8.2f %10.1e%n", causal, d, n, degree, taylor.features().width(),
                TaylorFeatures.errorBound(beta, degree), seconds[0], seconds[1], seconds[0] / seconds[1], error);
    }

    private static void step(LoraAttentionHead head, AttentionCore core, Tensor x, Tensor dOut) {
        head.forward(x, core);
        head.backward(dOut, core);
    }

    private static LoraAttentionHead head(int d, long seed) {
        Random random = new Random(seed);
        return new LoraAttentionHead(adapted("q_proj", d, random), adapted("k_proj", d, random), adapted("v_proj", d, random));
    }

    private static LoraWeight adapted(String module, int d, Random random) {
        Tensor w = Tensor.gaussian(Precision.FLOAT64, random, 1 / Math.sqrt(INPUT), d, INPUT);
        LoraWeight lora = new LoraWeight(module, new DenseWeight(new Parameter(module + ".weight", w)), null);
        lora.addAdapter(new LoraAdapter("default", new Parameter(module + ".lora_A.default.weight", Tensor.gaussian(Precision.FLOAT64, random, 0.05, RANK, INPUT)),
                new Parameter(module + ".lora_B.default.weight", Tensor.gaussian(Precision.FLOAT64, random, 0.05, d, RANK)), 2 * RANK, false, 0));
        return lora;
    }

    private static Tensor uniform(Random random, double half, int... shape) {
        Tensor t = Tensor.zeros(Precision.FLOAT64, shape);
        for (int i = 0; i < t.size(); i++) {
            t.set(i, (2 * random.nextDouble() - 1) * half);
        }
        return t;
    }

    private static double relative(Tensor a, Tensor b) {
        double diff = 0, na = 0, nb = 0;
        for (int i = 0; i < a.size(); i++) {
            diff += Math.pow(a.get(i) - b.get(i), 2);
            na += a.get(i) * a.get(i);
            nb += b.get(i) * b.get(i);
        }
        return Math.sqrt(diff / Math.max(na, nb));
    }
}
