package org.lowrank4j.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.lowrank4j.linalg.FloatMatrix;
import org.lowrank4j.linalg.quant.QuantizationFormat;
import org.lowrank4j.linalg.quant.QuantizedMatrix;
import org.lowrank4j.linalg.quant.RoundToNearest;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.FloatTensor;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;
import org.lowrank4j.nn.weight.LowRankWeight;
import org.lowrank4j.nn.weight.QuantizedWeight;
import org.lowrank4j.nn.weight.WeightFactorization;

/**
 * The quantized weight's forward ({@link QuantizedWeight}: one tile of output rows dequantized at a time, then a GEMM)
 * against the dense float32 weight, at the shapes of {@code models/sotu-decoder} (320→320, 320→160, 320→864, 864→320)
 * and of MiniLM's MLP (384→1536, 1536→384), for one row (a decode step) and 256 rows (a prefill window). Speed depends
 * on shapes only, so the weights are random. All contenders of a shape run alternately in one loop; medians.
 */
final class QuantBenchmarks {
    private static final int[][] SHAPES = {{320, 320}, {160, 320}, {864, 320}, {320, 864}, {1536, 384}, {384, 1536}}; // (out, in)
    private static final int[] ROWS = {1, 256};
    private final boolean quick;

    QuantBenchmarks(boolean quick) {
        this.quick = quick;
    }

    void forward(ObjectNode out) {
        out.put("note", "seconds per forward call, float32 activations; 'tiled' dequantizes a tile of about 64 K weights per step,"
                + " 'cached' forms dequant(Q) once and then runs the dense GEMM; branch = float low-rank branch of rank 16 beside int4");
        ArrayNode rows = out.putArray("shapes");
        Random random = new Random(1);
        int reps = quick ? 5 : 15;
        for (int[] shape : SHAPES) {
            int m = shape[0], n = shape[1];
            FloatMatrix w = FloatMatrix.gaussian(m, n, random);
            Map<String, WeightFactorization> contenders = new LinkedHashMap<>();
            Tensor dense = Tensor.zeros(Precision.FLOAT32, m, n);
            for (int i = 0; i < dense.size(); i++) {
                dense.set(i, w.data()[i]);
            }
            contenders.put("dense fp32", new DenseWeight(new Parameter("w", dense)));
            QuantizedMatrix int4 = RoundToNearest.quantize(w, QuantizationFormat.asymmetric(4, 32));
            contenders.put("int8 per-channel", QuantizedWeight.of("w", RoundToNearest.quantize(w, QuantizationFormat.int8PerChannel()), Precision.FLOAT32));
            contenders.put("int4 g32", QuantizedWeight.of("w", int4, Precision.FLOAT32));
            contenders.put("int3 g32", QuantizedWeight.of("w", RoundToNearest.quantize(w, QuantizationFormat.asymmetric(3, 32)), Precision.FLOAT32));
            contenders.put("nf4 g32", QuantizedWeight.of("w", RoundToNearest.quantize(w, QuantizationFormat.nf4(32)), Precision.FLOAT32));
            LowRankWeight branch = new LowRankWeight(new Parameter("A", Tensor.gaussian(Precision.FLOAT32, random, 0.01, m, 16)),
                    new Parameter("B", Tensor.gaussian(Precision.FLOAT32, random, 0.01, 16, n)));
            contenders.put("int4 g32 + branch r16", QuantizedWeight.of("w", int4, branch, Precision.FLOAT32));
            contenders.put("int4 g32 cached", new QuantizedWeight("w", int4, null, Precision.FLOAT32, m, true));
            for (int batch : ROWS) {
                Tensor x = FloatTensor.wrap(gaussian(random, batch * n), batch, n);
                // enough calls per timing that one timing is well above the timer's resolution
                int calls = Math.max(1, (int) (2e7 / ((double) batch * m * n)));
                List<String> names = new ArrayList<>(contenders.keySet());
                Runnable[] tasks = new Runnable[names.size()];
                for (int i = 0; i < tasks.length; i++) {
                    WeightFactorization f = contenders.get(names.get(i));
                    tasks[i] = () -> {
                        for (int c = 0; c < calls; c++) {
                            f.forward(x);
                        }
                    };
                }
                int[] counts = new int[tasks.length];
                java.util.Arrays.fill(counts, reps);
                double[] medians = Stopwatch.alternate(counts, tasks);
                ObjectNode row = rows.addObject();
                row.put("out", m).put("in", n).put("rows", batch).put("calls_per_timing", calls);
                ObjectNode seconds = row.putObject("median_seconds_per_call");
                ObjectNode ratio = row.putObject("time_over_dense");
                for (int i = 0; i < tasks.length; i++) {
                    seconds.put(names.get(i), medians[i] / calls);
                    ratio.put(names.get(i), medians[i] / medians[0]);
                }
                System.out.printf("%4dx%-4d rows %3d: dense %.1f µs; %s%n", m, n, batch, 1e6 * medians[0] / calls, describe(names, medians));
            }
        }
    }

    private static String describe(List<String> names, double[] medians) {
        StringBuilder s = new StringBuilder();
        for (int i = 1; i < names.size(); i++) {
            s.append(String.format(java.util.Locale.ROOT, "%s %.2f×%s", names.get(i), medians[i] / medians[0], i + 1 < names.size() ? ", " : ""));
        }
        return s.toString();
    }

    private static float[] gaussian(Random random, int count) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }
}
