package org.lowrank4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.lowrank4j.adapt.flora.FloraWeight;
import org.lowrank4j.adapt.flora.WeightView;
import org.lowrank4j.adapt.lora.LoraAdapter;
import org.lowrank4j.adapt.lora.LoraSettings;
import org.lowrank4j.adapt.lora.LoraWeight;
import org.lowrank4j.adapt.variant.HeadLayout;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/**
 * FLoRA's layer step without forming ΔW (as {@link FloraWeight} trains) against forming it, at the attention shapes of
 * models/sotu-decoder (hidden 320, 8 query heads and 4 key/value heads of 40) and the measured runs' ranks, N = 4 × 256 rows.
 * <ul>
 *   <li>factored: {@code FloraWeight.forward} + {@code backward} (base GEMMs y = x·W0ᵀ, dx = dy·W0, and the mode products);</li>
 *   <li>formed (a lower bound): ΔW = delta(), W = W0 + ΔW, y = x·Wᵀ, dx = dy·W, dΔW = dyᵀ·x; the projection of dΔW onto the core
 *   and factors that this path would still need is not done, so its true cost is higher.</li>
 * </ul>
 * The project's LoRA layer at r = 8 is timed the same way, for scale. Rounds alternate the two paths; each sample is the mean of {@value #REPEATS} steps; medians of wall and process CPU seconds per step. Usage:
 * {@code java -cp lowrank-bench/target/lowrank-bench.jar org.lowrank4j.bench.FloraStepBenchmarks OUT.json [ROUNDS]}.
 */
public final class FloraStepBenchmarks {
    private static final Precision F32 = Precision.FLOAT32;
    private static final int ROWS = 4 * 256;
    private static final int REPEATS = 5; // steps per timed sample: process CPU time ticks in 10 ms here

    private FloraStepBenchmarks() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "bench-flora-step.json");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        root.put("date", Instant.now().toString());
        root.put("cpu", CpuInfo.modelName());
        root.put("cores", Runtime.getRuntime().availableProcessors());
        root.put("rows", ROWS);
        root.put("rounds", rounds);
        root.put("steps_per_sample", REPEATS);
        ArrayNode cases = root.putArray("cases");
        // name, out, in, view, ranks (in the view's order)
        run(cases, "q heads budget", WeightView.heads("q", 320, 320, new HeadLayout(8, 40, false)), new int[] {8, 10, 10}, rounds);
        run(cases, "k heads budget", WeightView.heads("k", 160, 320, new HeadLayout(4, 40, false)), new int[] {4, 10, 10}, rounds);
        run(cases, "o heads budget", WeightView.heads("o", 320, 320, new HeadLayout(8, 40, true)), new int[] {10, 8, 10}, rounds);
        run(cases, "q matrix r8", WeightView.matrix(320, 320), new int[] {8, 8}, rounds);
        run(cases, "k matrix r8", WeightView.matrix(160, 320), new int[] {8, 8}, rounds);
        lora(cases, 320, rounds);
        lora(cases, 160, rounds);
        root.put("load_average_after", java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        Files.writeString(out, json.writeValueAsString(root) + "\n");
        System.out.println("wrote " + out);
    }

    private static void run(ArrayNode cases, String name, WeightView view, int[] ranks, int rounds) {
        Random random = new Random(42);
        int outF = view.out(), in = view.in();
        DenseWeight base = new DenseWeight(new Parameter("w", Tensor.gaussian(F32, random, 0.05, outF, in)));
        List<Parameter> factors = new ArrayList<>();
        for (int m = 0; m < view.modes(); m++) {
            factors.add(new Parameter("u" + m, Tensor.gaussian(F32, random, 1 / Math.sqrt(2.0 * ranks[m]), view.size(m), ranks[m])));
        }
        FloraWeight layer = new FloraWeight("bench", base, view, new Parameter("core", Tensor.gaussian(F32, random, 0.01, ranks)), factors, 2);
        Tensor x = Tensor.gaussian(F32, random, 1, ROWS, in);
        Tensor dy = Tensor.gaussian(F32, random, 1, ROWS, outF);
        double[] factoredWall = new double[rounds], factoredCpu = new double[rounds], formedWall = new double[rounds], formedCpu = new double[rounds];
        for (int round = -2; round < rounds; round++) {
            double[] f = time(() -> {
                layer.parameters().forEach(Parameter::zeroGradient);
                layer.forward(x);
                layer.backward(dy, x);
            });
            double[] g = time(() -> {
                Tensor w = base.weight().value().copy();
                Kernels.of(w).addInPlace(w, layer.delta());
                Tensor y = Tensor.zeros(F32, ROWS, outF);
                MatMul.timesTransposed(y, x, w, 0);       // y = x Wᵀ
                Tensor dx = Tensor.zeros(F32, ROWS, in);
                MatMul.times(dx, dy, w, 0);               // dx = dy W
                Tensor dw = Tensor.zeros(F32, outF, in);
                MatMul.addTransposedTimes(dw, dy, x);     // dΔW = dyᵀ x
            });
            if (round >= 0) {
                factoredWall[round] = f[0];
                factoredCpu[round] = f[1];
                formedWall[round] = g[0];
                formedCpu[round] = g[1];
            }
        }
        ObjectNode c = cases.addObject();
        c.put("case", name);
        c.put("view", view.toString());
        ArrayNode r = c.putArray("ranks");
        for (int k : ranks) {
            r.add(k);
        }
        c.put("factored_median_seconds", Stopwatch.median(factoredWall));
        c.put("formed_lower_bound_median_seconds", Stopwatch.median(formedWall));
        c.put("factored_median_cpu_seconds", Stopwatch.median(factoredCpu));
        c.put("formed_lower_bound_median_cpu_seconds", Stopwatch.median(formedCpu));
        System.out.printf("%-16s %-40s factored %.4f s (cpu %.4f), formed >= %.4f s (cpu %.4f)%n", name, view, Stopwatch.median(factoredWall),
                Stopwatch.median(factoredCpu), Stopwatch.median(formedWall), Stopwatch.median(formedCpu));
    }

    /** The project's LoRA layer at r = 8 (the reference row's adapter) on the same rows, for scale. */
    private static void lora(ArrayNode cases, int outF, int rounds) {
        Random random = new Random(42);
        int in = 320;
        LoraWeight layer = new LoraWeight("bench", new DenseWeight(new Parameter("w", Tensor.gaussian(F32, random, 0.05, outF, in))), null);
        layer.addAdapter(LoraAdapter.initialized("bench", "default", in, outF, LoraSettings.of(8, 16), F32, random));
        Tensor x = Tensor.gaussian(F32, random, 1, ROWS, in);
        Tensor dy = Tensor.gaussian(F32, random, 1, ROWS, outF);
        double[] wall = new double[rounds], cpu = new double[rounds];
        for (int round = -2; round < rounds; round++) {
            double[] f = time(() -> {
                layer.parameters().forEach(Parameter::zeroGradient);
                layer.forward(x);
                layer.backward(dy, x);
            });
            if (round >= 0) {
                wall[round] = f[0];
                cpu[round] = f[1];
            }
        }
        ObjectNode c = cases.addObject();
        c.put("case", "LoRA r8 " + outF + "x" + in);
        c.put("lora_median_seconds", Stopwatch.median(wall));
        c.put("lora_median_cpu_seconds", Stopwatch.median(cpu));
        System.out.printf("%-16s LoRA r = 8 layer %.4f s (cpu %.4f)%n", "LoRA " + outF + "x" + in, Stopwatch.median(wall), Stopwatch.median(cpu));
    }

    private static double[] time(Runnable step) {
        long cpu = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        long start = System.nanoTime();
        for (int i = 0; i < REPEATS; i++) {
            step.run();
        }
        return new double[] {(System.nanoTime() - start) / 1e9 / REPEATS,
            (((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() - cpu) / 1e9
                / REPEATS};
    }
}
