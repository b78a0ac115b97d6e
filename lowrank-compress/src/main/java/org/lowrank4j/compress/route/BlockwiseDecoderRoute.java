package org.lowrank4j.compress.route;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.lowrank4j.compress.CompressionOutcome;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.allocation.Allocators;
import org.lowrank4j.compress.allocation.RankAllocator;
import org.lowrank4j.compress.blockwise.BlockwiseCompression;
import org.lowrank4j.compress.blockwise.SpillFolder;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.compress.model.DecoderFolder;
import org.lowrank4j.compress.runtime.DecoderRuntime;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.DenseDecoders;
import org.lowrank4j.nn.generate.DecoderBlocks;
import org.lowrank4j.nn.arch.llama.LowRankFolder;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.generate.Tokenizer;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.train.TextFolder;

/**
 * {@code compress --blockwise} on a decoder folder of the LLaMA or GPT-2 family (GPT-2, OPT): the {@link DecoderFolderRoute}'s compression (same
 * calibration windows, same per-site methods, same factors with the uniform allocation) one block at a time
 * ({@link BlockwiseCompression}), so the model may be larger than the heap. The output is a sharded low-rank folder.
 */
final class BlockwiseDecoderRoute implements CompressionRoute {
    @Override
    public boolean handles(CompressionRequest r) {
        return r.blockwise();
    }

    @Override
    public CompressionOutcome compress(CompressionRequest r, Listener listener) throws IOException {
        long start = System.nanoTime();
        Path model = r.model();
        if (!Files.isDirectory(model)) {
            throw new IllegalArgumentException("--blockwise compresses LLaMA- and GPT-2-family decoder folders; --model " + model + " is not a folder");
        }
        DecoderFolder.requireModelFolder(model);
        HfConfig config = HfConfig.read(model);
        if (config.architecture() != HfArchitecture.LLAMA && config.architecture() != HfArchitecture.GPT2) {
            throw new IllegalArgumentException("--blockwise compresses LLaMA- and GPT-2-family decoder folders; " + model + " is " + config.architecture()
                    + " (model_type " + config.modelType() + ")");
        }
        if (r.embeddings() != null || r.tokenizer() != null || r.calibrationSequences() != null || r.calibrationUnit() != null
                || r.labels() != null) {
            throw new IllegalArgumentException("--embeddings, --tokenizer, --calib-sequences, --calib-unit and --labels apply to ONNX models; the"
                    + " decoder folder " + model + " brings its own tokenizer.json (use --calib-windows)");
        }
        if (r.targetBytes() != null) {
            throw new IllegalArgumentException("--target-size searches ratios over the whole model; with --blockwise give --ratio");
        }
        if (Methods.isCrossLayer(r.method()) || Methods.isQuantized(r.method())) {
            throw new IllegalArgumentException("--method " + r.method() + " is not a per-site low-rank method; --blockwise takes those (svd,"
                    + " whitened, svd-llm, ...)");
        }
        CompressionMethod method = Methods.byName(r.method());
        if (!"uniform".equals(r.allocation())) {
            throw new IllegalArgumentException("--allocation " + r.allocation() + " ranks every site against all others, which needs every block's"
                    + " spectra before the first is written; with --blockwise give --allocation uniform");
        }
        RankAllocator allocator = Allocators.byName(r.allocation());
        LowRankFolder.requireOutput(r.out(), model);
        if (LowRankFolder.hasFactors(model)) {
            throw new IllegalArgumentException("--model " + model + " is already a low-rank model folder (it holds " + LowRankFolder.A_SUFFIX + "/"
                    + LowRankFolder.B_SUFFIX + " factors); compress the original dense model");
        }
        int count = r.calibrationWindows() == null ? DecoderRuntime.DEFAULT_WINDOWS : r.calibrationWindows();
        if (count < 1) {
            throw new IllegalArgumentException("--calib-windows must be at least 1, got " + count);
        }
        boolean data = !method.requirements().isEmpty();
        if (data && r.calibration() == null) {
            throw new IllegalArgumentException("--method " + method.name() + " reads calibration text: give --calib (a .txt file or a folder"
                    + " of them), or use --method svd");
        }
        int[][] windows = null;
        int context = CausalLanguageModel.defaultWindow(config.maxPositionEmbeddings());
        if (data) {
            String text = TextFolder.readText(r.calibration(), r.calibrationFrom(), r.calibrationTo(), "--calib");
            Tokenizer tok = DecoderFolder.loadTokenizer(model, config.vocabSize());
            windows = DecoderRuntime.calibrationWindows(tok, text, r.calibration(), context, count, "--calib-windows");
        }
        try (DecoderBlocks blocks = DenseDecoders.openBlocks(model, Precision.FLOAT32)) {
            listener.note(String.format(Locale.ROOT, "%s: %d blocks read one at a time, method %s, allocation %s, ratio %.3f%s", model.getFileName(),
                    blocks.blockCount(), method.name(), allocator.name(), r.ratio(), data ? String.format(Locale.ROOT,
                            "; calibration: %d windows of %d tokens from %s", count, context, r.calibration()) : ""));
            BlockwiseCompression.Outcome o;
            try (SpillFolder spill = SpillFolder.beside(r.out())) { // hidden beside OUT, cleared by the next run if this one is killed
                // as many windows at once as the in-memory route runs (at most 2,048 tokens): a batch's attention probabilities grow
                // with B·T², and are what a block's calibration holds most of at long contexts
                BlockwiseCompression job = new BlockwiseCompression(blocks, windows, DecoderRuntime.windowsPerBatch(context), method, allocator,
                        r.ratio(), spill.path(), listener);
                o = job.writeFolder(r.out(), model.toString(), method.name(), model.resolve(DecoderFolder.TOKENIZER), model);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return new CompressionOutcome(o.result(), model, r.out(), DecoderFolderRoute.weightBytes(model), DecoderFolderRoute.weightBytes(r.out()),
                    o.modelParametersBefore(), o.modelParametersAfter(), data ? (long) windows.length * context : 0,
                    o.calibrationSeconds(), seconds - o.calibrationSeconds(), null, java.util.Map.of("route", "blockwise"));
        }
    }
}
