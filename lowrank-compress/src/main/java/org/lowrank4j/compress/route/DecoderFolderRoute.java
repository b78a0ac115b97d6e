package org.lowrank4j.compress.route;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.lowrank4j.compress.CompressionOutcome;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.allocation.Allocators;
import org.lowrank4j.compress.allocation.RankAllocator;
import org.lowrank4j.compress.allocation.SensitivityAllocator;
import org.lowrank4j.compress.allocation.SizeTarget;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.CrossLayerMethod;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.compress.model.DecoderFolder;
import org.lowrank4j.compress.runtime.DecoderRuntime;
import org.lowrank4j.compress.runtime.RuntimeCompression;
import org.lowrank4j.formats.safetensors.SafetensorsModel;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.arch.llama.LowRankFolder;
import org.lowrank4j.nn.generate.Tokenizer;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.train.TextFolder;
import org.lowrank4j.nn.weight.LowRankWeight;

/**
 * A decoder model folder ({@code config.json}, {@code model.safetensors}, {@code tokenizer.json}): the decoder runs in
 * the JVM runtime, calibration statistics come from fixed-length windows of the model's context spread over the
 * calibration text (as {@code compare} cuts them), any per-site method and allocation apply (sequential methods run
 * their pass), and the result is written as a low-rank model folder ({@link LowRankFolder}) that {@code generate},
 * {@code perplexity} and {@code recover} load.
 */
final class DecoderFolderRoute implements CompressionRoute {

    @Override
    public boolean handles(CompressionRequest r) {
        return r.model() != null && Files.isDirectory(r.model());
    }

    @Override
    public CompressionOutcome compress(CompressionRequest r, Listener listener) throws IOException {
        long start = System.nanoTime();
        Path model = r.model();
        if (r.embeddings() != null) {
            throw new IllegalArgumentException("--embeddings applies to ONNX encoders; the decoder folder " + model + " keeps its embedding table");
        }
        DecoderFolder.requireModelFolder(model);
        long bytes = weightBytes(model), heap = Runtime.getRuntime().maxMemory();
        if (bytes > heap) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "--model %s holds %.2f GB of weights, more than this JVM's heap"
                    + " (%.2f GB) can load; add --blockwise to compress it one block at a time, or give the JVM more memory", model,
                    bytes / 1e9, heap / 1e9));
        }
        if (r.tokenizer() != null || r.calibrationSequences() != null || r.calibrationUnit() != null) {
            throw new IllegalArgumentException("--tokenizer, --calib-sequences and --calib-unit apply to ONNX models; the decoder folder " + model
                    + " brings its own tokenizer.json (use --calib-windows)");
        }
        CrossLayerMethod crossLayer = Methods.isCrossLayer(r.method()) ? Methods.crossLayerByName(r.method()) : null;
        if (crossLayer != null && !crossLayer.writesDecoderFolders()) {
            throw new IllegalArgumentException("--method " + r.method() + " shares one basis across layers, which a low-rank model folder does"
                    + " not store; compare it with lowrank compare");
        }
        CompressionMethod method = crossLayer == null ? Methods.byName(r.method()) : null;
        String label = crossLayer == null ? method.name() : crossLayer.name();
        java.util.Set<CompressionMethod.Requirement> requirements = crossLayer == null ? method.requirements() : crossLayer.requirements();
        if (SensitivityAllocator.isSensitivity(r.allocation())) {
            throw new IllegalArgumentException("--allocation " + r.allocation() + " runs on decoder folders in lowrank compare only so far; choose one of "
                    + Allocators.all().stream().map(RankAllocator::name).toList());
        }
        RankAllocator allocator = Allocators.byName(r.allocation());
        LowRankFolder.requireOutput(r.out(), model);
        int count = r.calibrationWindows() == null ? DecoderRuntime.DEFAULT_WINDOWS : r.calibrationWindows();
        if (count < 1) {
            throw new IllegalArgumentException("--calib-windows must be at least 1, got " + count);
        }
        boolean data = !requirements.isEmpty();
        if (data && r.calibration() == null) {
            throw new IllegalArgumentException("--method " + label + " reads calibration text: give --calib (a .txt file or a folder"
                    + " of them), or use --method svd");
        }
        if ((r.calibrationFrom() != null || r.calibrationTo() != null) && (r.calibration() == null || !Files.isDirectory(r.calibration()))) {
            throw new IllegalArgumentException("--calib-from and --calib-to select the YEAR_*.txt files of a --calib folder, but --calib "
                    + r.calibration() + " is not a folder");
        }
        String text = data ? TextFolder.readText(r.calibration(), r.calibrationFrom(), r.calibrationTo(), "--calib") : null;

        CausalLanguageModel decoder = DecoderFolder.loadCompressible(model);
        for (Linear linear : decoder.linearSites().values()) {
            if (linear.weight() instanceof org.lowrank4j.nn.weight.QuantizedWeight) {
                throw new IllegalArgumentException("--model " + model + " is a quantized model folder (" + linear.name() + " is stored quantized);"
                        + " compress the original dense model");
            }
            if (linear.weight() instanceof LowRankWeight || linear.weight() instanceof org.lowrank4j.nn.weight.DictionaryWeight) {
                throw new IllegalArgumentException("--model " + model + " is already a low-rank model folder (it holds "
                        + LowRankFolder.A_SUFFIX + "/" + LowRankFolder.B_SUFFIX + " factors); compress the original dense model");
            }
        }
        Tokenizer tok = DecoderFolder.loadTokenizer(model, decoder.vocabSize());
        int context = decoder.defaultWindow();
        int[][] windows;
        if (data) {
            windows = DecoderRuntime.calibrationWindows(tok, text, r.calibration(), context, count, "--calib-windows");
            text = null;
        } else {
            windows = new int[][] {{0, 0}}; // a method that reads no data never runs the model
        }
        RuntimeCompression job = new RuntimeCompression(new DecoderRuntime(decoder, windows, DecoderRuntime.windowsPerBatch(context)));
        // a size target counts the parameters in float32 bytes, as the decoder comparison tables do
        long targeted = job.weights().stream().mapToLong(LinearWeight::denseParameters).sum();
        Long target = r.targetBytes();
        double ratio = target == null ? r.ratio() : SizeTarget.ratioFor(target, job.modelParameters() * 4, targeted, 4);
        listener.note(String.format(Locale.ROOT, "%s: %d linear sites, method %s, allocation %s, ratio %.3f%s%s", model.getFileName(),
                job.weights().size(), label, allocator.name(), ratio,
                target == null ? "" : " (for a target of " + SizeTarget.format(target) + " of float32 parameters)", data ? String.format(Locale.ROOT,
                        "; calibration: %d windows of %d tokens from %s", count, context, r.calibration()) : ""));
        java.util.function.DoubleFunction<CompressionResult> compressAt = crossLayer == null ? at -> job.compress(method, allocator, at, listener)
                : crossLayerAt(job, crossLayer, allocator, ratio, listener);
        CompressionResult result = target == null ? compressAt.apply(ratio)
                : SizeTarget.reach(target, ratio, targeted, 4, compressAt::apply,
                        at -> job.modelParametersWith(at) * 4, listener::note);
        ratio = result.requestedRatio();
        if (target != null && job.modelParametersWith(result) * 4 > target) {
            throw new IllegalArgumentException("could not reach --target-size " + SizeTarget.format(target) + ": the smallest result holds "
                    + SizeTarget.format(job.modelParametersWith(result) * 4) + " of float32 parameters; choose a larger target");
        }
        double compressSeconds = (System.nanoTime() - start) / 1e9 - job.calibrationSeconds();

        LowRankFolder.Manifest manifest = LowRankFolder.describe(decoder, model.toString(), label, allocator.name(), ratio);
        if (manifest.parametersTargetedAfter() != result.targetedParametersAfter()
                || manifest.parametersModelAfter() != job.modelParametersWith(result)) {
            throw new IllegalStateException("the model holds " + manifest.parametersTargetedAfter() + " targeted parameters but the"
                    + " compression reported " + result.targetedParametersAfter());
        }
        LowRankFolder.write(decoder, r.out(), model.resolve(DecoderFolder.TOKENIZER), manifest, model);
        return new CompressionOutcome(result, model, r.out(), weightBytes(model), weightBytes(r.out()), job.modelParameters(),
                job.modelParametersWith(result), data ? (long) windows.length * context : 0, job.calibrationSeconds(), compressSeconds, null, java.util.Map.of());
    }

    /**
     * A cross-layer method that writes decoder folders (per-layer CoSpaDi): calibrated and prepared once, then built and
     * installed at each ratio asked.
     */
    private static java.util.function.DoubleFunction<CompressionResult> crossLayerAt(RuntimeCompression job, CrossLayerMethod method,
                                                                                     RankAllocator allocator, double firstRatio, Listener listener) {
        CrossLayerMethod.Prepared[] prepared = new CrossLayerMethod.Prepared[1];
        return at -> {
            if (prepared[0] == null) {
                job.calibrate(listener);
                prepared[0] = method.prepare(job.weights(), job.stats(), firstRatio, listener);
            }
            CompressionResult result = prepared[0].build(at, allocator);
            job.install(result);
            return result;
        };
    }

    /**
     * Bytes of the weight files a model folder's loader reads (the index's shards, model.safetensors, the one
     * safetensors file, or a PyTorch pytorch_model.bin): not the trainer's checkpoint or other files that lie beside them.
     */
    static long weightBytes(Path folder) throws IOException {
        long total = 0;
        for (Path file : DecoderFolder.weightFiles(folder)) {
            if (!file.getFileName().toString().equals(SafetensorsModel.INDEX_FILE)) {
                total += Files.size(file);
            }
        }
        return total;
    }
}
