package org.lowrank4j.compress.route;

import java.nio.file.Path;
import org.lowrank4j.compress.allocation.SizeTarget;
import org.lowrank4j.compress.eval.Pooling;

/**
 * Everything one compression needs, whatever the model's format: the model (an ONNX file or a decoder model folder),
 * the method spec and allocation, the budget (a ratio or a size in bytes, exactly one), the calibration source and how
 * to cut it, the thread count, and where to write. Fields left null take the route's default; a field that does not
 * apply to the model's route is refused by that route, naming the option. Built with {@link #builder()}.
 *
 * @param model                the input model: an ONNX file or a decoder model folder (never modified)
 * @param tokenizer            the ONNX model's tokenizer.json (decoder folders bring their own)
 * @param calibration          calibration text, a .txt file or a folder of them
 * @param method               method spec {@code NAME[:KEY=VALUE…]}
 * @param allocation           rank allocator name
 * @param ratio                fraction of the targeted layers' parameters to remove, or null with {@code targetBytes}
 * @param targetBytes          the size to reach instead of a ratio, or null
 * @param pooling              the encoder's pooling, read by the sensitivity allocations
 * @param calibrationSequences ONNX encoders: calibration sentences or chunks (default 256)
 * @param calibrationUnit      ONNX encoders: "sentences" or "chunks" (default sentences)
 * @param calibrationWindows   decoder folders: calibration windows of the model's context (default 64)
 * @param calibrationFrom      decoder folders with a --calib folder: first YEAR of YEAR_*.txt files
 * @param calibrationTo        decoder folders with a --calib folder: last YEAR
 * @param threads              threads for BLAS, the kernels and ONNX Runtime (default: all cores)
 * @param out                  the output model (an ONNX file, or a folder for decoders); OUT.json and OUT.html beside it
 * @param force                whether existing outputs may be replaced
 * @param embeddings           ONNX encoders: how to write the word-embedding table ({@code afm:rank=R}, {@code svd:rank=R}),
 *                             or null to keep it; honoured by the ONNX routes, refused by the others
 * @param labels               ONNX encoders, methods that need gradients (fwsvd): the two-class texts whose task loss gives the
 *                             Fisher (a label&lt;TAB&gt;text file or a SpamAssassin folder), or null for the vendored SOTU party probe
 * @param blockwise            LLaMA- and GPT-2-family decoder folders: compress one block at a time in bounded memory (weights read per block, activations
 *                             spilled to disk, the output written shard by shard), for models larger than the heap
 */
public record CompressionRequest(Path model, Path tokenizer, Path calibration, String method, String allocation, Double ratio, Long targetBytes,
                                 Pooling pooling, Integer calibrationSequences, String calibrationUnit, Integer calibrationWindows,
                                 Integer calibrationFrom, Integer calibrationTo, Integer threads, Path out, boolean force,
                                 String embeddings, Path labels, boolean blockwise) {

    public static Builder builder() {
        return new Builder();
    }

    /** Threads to use: as given, else every core. */
    public int threadCount() {
        return threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    }

    /** A request under construction; defaults: method whitened, allocation global, pooling mean. */
    public static final class Builder {
        private Path model, tokenizer, calibration, out, labels;
        private String method = "whitened", allocation = "global", calibrationUnit, embeddings;
        private Double ratio;
        private Long targetBytes;
        private Pooling pooling = Pooling.MEAN;
        private Integer calibrationSequences, calibrationWindows, calibrationFrom, calibrationTo, threads;
        private boolean force, blockwise;

        public Builder model(Path v) { model = v; return this; }
        public Builder tokenizer(Path v) { tokenizer = v; return this; }
        public Builder calibration(Path v) { calibration = v; return this; }
        public Builder method(String v) { method = v; return this; }
        public Builder allocation(String v) { allocation = v; return this; }
        public Builder ratio(Double v) { ratio = v; return this; }
        public Builder targetBytes(Long v) { targetBytes = v; return this; }
        /** A size such as {@code 70MB} or {@code 900KB} ({@link SizeTarget#parse}); null leaves it unset. */
        public Builder targetSize(String v) { targetBytes = v == null ? null : SizeTarget.parse(v, "--target-size"); return this; }
        public Builder pooling(Pooling v) { pooling = v; return this; }
        public Builder calibrationSequences(Integer v) { calibrationSequences = v; return this; }
        public Builder calibrationUnit(String v) { calibrationUnit = v; return this; }
        public Builder calibrationWindows(Integer v) { calibrationWindows = v; return this; }
        public Builder calibrationYears(Integer from, Integer to) { calibrationFrom = from; calibrationTo = to; return this; }
        public Builder threads(Integer v) { threads = v; return this; }
        public Builder out(Path v) { out = v; return this; }
        public Builder force(boolean v) { force = v; return this; }
        public Builder embeddings(String v) { embeddings = v; return this; }
        public Builder labels(Path v) { labels = v; return this; }
        public Builder blockwise(boolean v) { blockwise = v; return this; }

        public CompressionRequest build() {
            return new CompressionRequest(model, tokenizer, calibration, method, allocation, ratio, targetBytes, pooling, calibrationSequences,
                    calibrationUnit, calibrationWindows, calibrationFrom, calibrationTo, threads, out, force, embeddings, labels, blockwise);
        }
    }
}
