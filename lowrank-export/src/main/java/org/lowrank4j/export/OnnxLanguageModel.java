package org.lowrank4j.export;

import ai.onnxruntime.OrtException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.generate.DecoderCache;
import org.lowrank4j.nn.layers.KVCache;
import org.lowrank4j.nn.tensor.FloatTensor;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * A folder written by {@link DecoderExport}, run by ONNX Runtime as a {@link CausalLanguageModel}: what lets
 * {@code generate}, {@code perplexity} and {@code serve} take the exported folder itself, so the file that ships is the
 * file that is measured. Inference only: no gradients, no sites to compress. A LLaMA-family export decodes left-padded
 * batches and takes in joiners ({@link OnnxDecoder.Sequence}), as the JVM runtime's LLaMA does; a GPT-2 export, whose
 * positions are learned, does not.
 */
public final class OnnxLanguageModel implements CausalLanguageModel {
    private final Path folder;
    private final OnnxDecoder decoder;
    private final int maxPositions;
    private final boolean rotary;

    private OnnxLanguageModel(Path folder, OnnxDecoder decoder, int maxPositions, boolean rotary) {
        this.folder = folder;
        this.decoder = decoder;
        this.maxPositions = maxPositions;
        this.rotary = rotary;
    }

    /** True for a folder {@code lowrank export} wrote: {@code onnx/model.onnx} beside {@code export.json}. */
    public static boolean isExported(Path folder) {
        return Files.isRegularFile(folder.resolve(DecoderExport.MODEL)) && Files.isRegularFile(folder.resolve(DecoderExport.RECORD));
    }

    /**
     * Opens an exported folder with ONNX Runtime's default threads.
     *
     * @throws IllegalArgumentException when the folder was not written by {@code lowrank export}
     */
    public static OnnxLanguageModel open(Path folder) throws IOException {
        if (!isExported(folder)) {
            throw new IllegalArgumentException(folder + " is not a folder written by lowrank export (no " + DecoderExport.MODEL + " beside "
                    + DecoderExport.RECORD + ")");
        }
        HfConfig config = HfConfig.read(folder);
        try {
            return new OnnxLanguageModel(folder, OnnxDecoder.open(folder.resolve(DecoderExport.MODEL), 0),
                    config.maxPositionEmbeddings(), // the RoPE tables' rows, or GPT-2's learned positions
                    config.architecture() == HfArchitecture.LLAMA);
        } catch (OrtException e) {
            throw new IOException("ONNX Runtime could not open " + folder.resolve(DecoderExport.MODEL) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int vocabSize() {
        return decoder.vocabSize();
    }

    @Override
    public int maxPositions() {
        return maxPositions;
    }

    /** True for a LLaMA-family export: positions enter through RoPE only, so a left-padded row scores as it does alone. */
    @Override
    public boolean decodesPaddedBatches() {
        return rotary;
    }

    @Override
    public Precision precision() {
        return Precision.FLOAT32;
    }

    /** Logits (B,T,V) of {@code batch} windows of {@code time} tokens, each from position 0. */
    @Override
    public Tensor forward(int[] ids, int batch, int time) {
        requireFits(time);
        try (OnnxDecoder.Sequence s = decoder.start(batch)) {
            return FloatTensor.wrap(s.append(ids, time), batch, time, vocabSize());
        } catch (OrtException e) {
            throw new UncheckedIOException(new IOException("ONNX Runtime failed on " + folder + ": " + e.getMessage(), e));
        }
    }

    @Override
    public void backward(Tensor dlogits) {
        throw new UnsupportedOperationException(folder + " is an exported ONNX model: it runs inference only; train its source folder");
    }

    @Override
    public DecoderCache newCache(int batch, int capacity) {
        requireFits(capacity);
        return new Cache(decoder.start(batch), capacity);
    }

    @Override
    public Tensor decode(int[] ids, int batch, int time, DecoderCache cache) {
        if (!(cache instanceof Cache c) || c.sequence.batch() != batch) {
            throw new IllegalArgumentException("decode needs a cache of this model for " + batch + " sequences");
        }
        if (c.length() + time > c.capacity) {
            throw new IllegalArgumentException((c.length() + time) + " positions exceed the cache's " + c.capacity);
        }
        try {
            return FloatTensor.wrap(c.sequence.append(ids, time), batch, time, vocabSize());
        } catch (OrtException e) {
            throw new UncheckedIOException(new IOException("ONNX Runtime failed on " + folder + ": " + e.getMessage(), e));
        }
    }

    private void requireFits(int positions) {
        if (positions > maxPositions) {
            throw new IllegalArgumentException(positions + " positions exceed max_position_embeddings = " + maxPositions + " of " + folder);
        }
    }

    /** None: the weights are in the ONNX file, not in this process's parameters. */
    @Override
    public Map<String, org.lowrank4j.nn.layers.Linear> linearSites() {
        return Map.of();
    }

    @Override
    public List<Parameter> parameters() {
        return List.of();
    }

    /** The ONNX Runtime cache of a batch, as a {@link DecoderCache}: no per-layer key/value caches of the JVM runtime. */
    private static final class Cache extends DecoderCache {
        private final OnnxDecoder.Sequence sequence;
        private final int capacity;

        Cache(OnnxDecoder.Sequence sequence, int capacity) {
            this.sequence = sequence;
            this.capacity = capacity;
        }

        @Override
        public KVCache layer(int index) {
            throw new UnsupportedOperationException("an exported model keeps its keys and values in ONNX Runtime");
        }

        @Override
        public int layerCount() {
            return 0;
        }

        @Override
        public int length() {
            return sequence.length();
        }

        @Override
        public int capacity() {
            return capacity;
        }

        @Override
        public int batch() {
            return sequence.batch();
        }

        @Override
        public void startAt(int[] starts) {
            sequence.startAt(starts);
        }

        @Override
        public void skipTo(int length) {
            if (length > capacity) {
                throw new IllegalArgumentException("skipTo " + length + " past the cache's " + capacity + " positions");
            }
            sequence.skipTo(length);
        }

        @Override
        public void copyRow(int row, DecoderCache source, int sourceRow, int from, int to) {
            if (!(source instanceof Cache other)) {
                throw new IllegalArgumentException("caches of different models: an exported model's and another");
            }
            sequence.copyRow(row, other.sequence, sourceRow, from, to);
        }

        @Override
        public void reset() {
            sequence.reset();
        }
    }
}
