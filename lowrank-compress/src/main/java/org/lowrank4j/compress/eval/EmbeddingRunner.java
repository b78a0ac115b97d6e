package org.lowrank4j.compress.eval;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lowrank4j.compress.tokenize.EncodedBatch;
import org.lowrank4j.compress.tokenize.HfTokenizer;

/**
 * Runs a BERT-style ONNX encoder in ONNX Runtime and pools its token states into one embedding per text.
 *
 * <p>The model may declare any of {@code input_ids}, {@code attention_mask}, {@code token_type_ids} (int64 or
 * int32); each declared one is fed. The output used is {@code last_hidden_state} if the model has it, else its
 * first output: (batch, tokens, hidden) states are pooled, a (batch, hidden) output is taken as already pooled.
 * A session uses a fixed number of intra-op threads that do not spin when idle, so timings of models run
 * side by side are comparable.
 */
public final class EmbeddingRunner implements AutoCloseable {

    /**
     * Session settings.
     *
     * @param intraOpThreads threads ONNX Runtime uses inside one operator (at least 1)
     * @param batchSize      texts per run when embedding a list (at least 1)
     */
    public record Options(int intraOpThreads, int batchSize) {
        public Options {
            if (intraOpThreads < 1 || batchSize < 1) {
                throw new IllegalArgumentException("intraOpThreads and batchSize must be at least 1, got "
                        + intraOpThreads + " and " + batchSize);
            }
        }

        /** Two intra-op threads, batches of 32. */
        public static Options defaults() {
            return new Options(2, 32);
        }
    }

    private static final List<String> KNOWN_INPUTS = List.of("input_ids", "attention_mask", "token_type_ids");

    private final Path modelPath;
    private final Options options;
    private final OrtEnvironment environment;
    private final OrtSession session;
    private final Map<String, OnnxJavaType> inputTypes = new HashMap<>();
    private final String outputName;

    private EmbeddingRunner(Path modelPath, Options options, OrtEnvironment environment, OrtSession session)
            throws OrtException {
        this.modelPath = modelPath;
        this.options = options;
        this.environment = environment;
        this.session = session;
        for (Map.Entry<String, NodeInfo> input : session.getInputInfo().entrySet()) {
            String name = input.getKey();
            if (!KNOWN_INPUTS.contains(name)) {
                throw new IllegalArgumentException("model " + modelPath + " declares input '" + name
                        + "'; an encoder here may only take " + KNOWN_INPUTS);
            }
            OnnxJavaType type = ((TensorInfo) input.getValue().getInfo()).type;
            if (type != OnnxJavaType.INT64 && type != OnnxJavaType.INT32) {
                throw new IllegalArgumentException("model " + modelPath + " input '" + name + "' is " + type
                        + ", expected int64 or int32");
            }
            inputTypes.put(name, type);
        }
        if (!inputTypes.containsKey("input_ids")) {
            throw new IllegalArgumentException("model " + modelPath + " has no 'input_ids' input; is it a text encoder?");
        }
        Set<String> outputs = session.getOutputNames();
        this.outputName = outputs.contains("last_hidden_state") ? "last_hidden_state" : outputs.iterator().next();
    }

    /** Opens a model with {@link Options#defaults()}. */
    public static EmbeddingRunner open(Path model) {
        return open(model, Options.defaults());
    }

    /**
     * Opens an ONNX encoder.
     *
     * @throws IllegalArgumentException if the file does not exist or ONNX Runtime cannot load it as an encoder
     */
    public static EmbeddingRunner open(Path model, Options options) {
        if (model == null || !Files.isRegularFile(model)) {
            throw new IllegalArgumentException("model file " + model + " does not exist; give an .onnx file");
        }
        return open(model, null, options);
    }

    /**
     * Opens a model held in memory (for example one with extra graph outputs added for calibration);
     * {@code source} names it in messages.
     */
    public static EmbeddingRunner open(byte[] model, Path source, Options options) {
        return open(source, model, options);
    }

    private static EmbeddingRunner open(Path model, byte[] bytes, Options options) {
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions sessionOptions = new OrtSession.SessionOptions()) {
            sessionOptions.setIntraOpNumThreads(options.intraOpThreads());
            sessionOptions.setInterOpNumThreads(1);
            sessionOptions.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            // idle threads must not spin: two sessions timed alternately would otherwise steal each other's cores
            sessionOptions.addConfigEntry("session.intra_op.allow_spinning", "0");
            // failures reach the caller as exceptions; keep ONNX Runtime from also logging them to stderr
            sessionOptions.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
            OrtSession session = bytes == null ? environment.createSession(model.toString(), sessionOptions)
                    : environment.createSession(bytes, sessionOptions);
            try {
                return new EmbeddingRunner(model, options, environment, session);
            } catch (RuntimeException | OrtException e) {
                session.close();
                throw e;
            }
        } catch (OrtException e) {
            throw new IllegalArgumentException("ONNX Runtime cannot load " + model + " (is it an ONNX model?): "
                    + firstLine(e.getMessage()), e);
        }
    }

    /**
     * Embeds texts in batches of {@link Options#batchSize()}; row i embeds text i. Texts are batched in order
     * of length so that little padding is computed; the order does not change the result, since padding is
     * masked out.
     */
    public float[][] embed(HfTokenizer tokenizer, List<String> texts, Pooling pooling, boolean normalize) {
        Integer[] order = new Integer[texts.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, java.util.Comparator.comparingInt(i -> texts.get(i).length()));
        float[][] out = new float[texts.size()][];
        for (int start = 0; start < order.length; start += options.batchSize()) {
            int end = Math.min(order.length, start + options.batchSize());
            List<String> chunk = new ArrayList<>(end - start);
            for (int k = start; k < end; k++) {
                chunk.add(texts.get(order[k]));
            }
            EncodedBatch batch = tokenizer.encode(chunk);
            float[][] pooled;
            try {
                pooled = embed(batch, pooling, normalize);
            } catch (IllegalArgumentException e) {
                if (e.getCause() instanceof OrtException && looksLikeIdOutOfRange(e.getCause().getMessage())) {
                    throw mismatch(tokenizer, batch.maxId(), e.getCause());
                }
                throw e;
            }
            for (int k = start; k < end; k++) {
                out[order[k]] = pooled[k - start];
            }
        }
        return out;
    }

    /**
     * Embeds one encoded batch.
     *
     * @throws IllegalArgumentException if ONNX Runtime rejects the batch (for example ids beyond the vocabulary)
     */
    public float[][] embed(EncodedBatch batch, Pooling pooling, boolean normalize) {
        if (batch.size() == 0) {
            return new float[0][];
        }
        float[][] pooled;
        try (OrtSession.Result result = run(batch)) {
            OnnxTensor output = (OnnxTensor) result.get(0);
            long[] shape = output.getInfo().getShape();
            FloatBuffer buffer = output.getFloatBuffer();
            float[] values = new float[buffer.remaining()];
            buffer.get(values);
            if (shape.length == 3) {
                pooled = pooling.pool(values, (int) shape[0], (int) shape[1], (int) shape[2], batch.attentionMask());
            } else if (shape.length == 2) {
                pooled = new float[(int) shape[0]][(int) shape[1]];
                for (int b = 0; b < pooled.length; b++) {
                    System.arraycopy(values, b * pooled[b].length, pooled[b], 0, pooled[b].length);
                }
            } else {
                throw new IllegalArgumentException("model " + modelPath + " output '" + outputName + "' has shape "
                        + java.util.Arrays.toString(shape) + ", expected (batch, tokens, hidden) or (batch, hidden)");
            }
        } catch (OrtException e) {
            throw new IllegalArgumentException("model " + modelPath + " rejected a batch of " + batch.size()
                    + " x " + batch.length() + " tokens: " + firstLine(e.getMessage()), e);
        }
        if (normalize) {
            for (float[] row : pooled) {
                EmbeddingMetrics.normalizeInPlace(row);
            }
        }
        return pooled;
    }

    /**
     * Runs one batch and discards the result; the unit of work that latency measurements time.
     */
    public void runOnly(EncodedBatch batch) {
        try {
            run(batch).close();
        } catch (OrtException e) {
            throw new IllegalArgumentException("model " + modelPath + " rejected a batch: " + firstLine(e.getMessage()), e);
        }
    }

    /**
     * Checks that every id the tokenizer can produce is inside the model's word-embedding table, by running
     * the model on the tokenizer's largest id.
     *
     * @throws IllegalArgumentException "tokenizer X does not match model Y" when the model rejects it
     */
    public void requireMatches(HfTokenizer tokenizer) {
        long largest = tokenizer.vocabularySize() - 1L;
        EncodedBatch probe = new EncodedBatch(new long[][] {{largest}}, new long[][] {{1}}, new long[][] {{0}});
        try {
            run(probe).close();
        } catch (OrtException e) {
            throw mismatch(tokenizer, largest, e);
        }
    }

    /**
     * Checks the tokenizer against a known word-embedding row count (for example read from the ONNX file),
     * then by running the model as {@link #requireMatches(HfTokenizer)} does.
     */
    public void requireMatches(HfTokenizer tokenizer, long embeddingRows) {
        if (tokenizer.vocabularySize() > embeddingRows) {
            throw new IllegalArgumentException("tokenizer " + tokenizer.path() + " does not match model " + modelPath
                    + ": its ids go up to " + (tokenizer.vocabularySize() - 1) + " but the model's word embedding has "
                    + embeddingRows + " rows; use the tokenizer.json that came with the model");
        }
        requireMatches(tokenizer);
    }

    /**
     * Runs one batch and returns the named float outputs, each flattened row-major as produced (for hidden
     * states: batch × tokens × features).
     */
    public Map<String, float[]> runOutputs(EncodedBatch batch, Set<String> outputs) {
        Map<String, float[]> values = new HashMap<>();
        try (OrtSession.Result result = run(batch, outputs)) {
            for (String name : outputs) {
                OnnxTensor tensor = (OnnxTensor) result.get(name).orElseThrow();
                FloatBuffer buffer = tensor.getFloatBuffer();
                float[] flat = new float[buffer.remaining()];
                buffer.get(flat);
                values.put(name, flat);
            }
        } catch (OrtException e) {
            throw new IllegalArgumentException("model " + modelPath + " rejected a batch of " + batch.size()
                    + " x " + batch.length() + " tokens: " + firstLine(e.getMessage()), e);
        }
        return values;
    }

    public Path modelPath() {
        return modelPath;
    }

    /** Size of the model file in bytes (external data files not included). */
    public long fileBytes() {
        try {
            return Files.size(modelPath);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the size of " + modelPath, e);
        }
    }

    /** The inputs the model declares (a subset of input_ids, attention_mask, token_type_ids). */
    public Set<String> inputNames() {
        return Set.copyOf(inputTypes.keySet());
    }

    /** The output that is pooled. */
    public String outputName() {
        return outputName;
    }

    public Options options() {
        return options;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("cannot close the ONNX Runtime session of " + modelPath, e);
        }
    }

    private OrtSession.Result run(EncodedBatch batch) throws OrtException {
        return run(batch, Set.of(outputName));
    }

    private OrtSession.Result run(EncodedBatch batch, Set<String> outputs) throws OrtException {
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            long[] shape = {batch.size(), batch.length()};
            for (Map.Entry<String, OnnxJavaType> input : inputTypes.entrySet()) {
                long[][] values = switch (input.getKey()) {
                    case "input_ids" -> batch.inputIds();
                    case "attention_mask" -> batch.attentionMask();
                    default -> batch.tokenTypeIds();
                };
                inputs.put(input.getKey(), tensor(values, shape, input.getValue()));
            }
            return session.run(inputs, outputs);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private OnnxTensor tensor(long[][] rows, long[] shape, OnnxJavaType type) throws OrtException {
        int width = (int) shape[1];
        if (type == OnnxJavaType.INT32) {
            int[] flat = new int[rows.length * width];
            for (int i = 0; i < rows.length; i++) {
                for (int j = 0; j < width; j++) {
                    flat[i * width + j] = Math.toIntExact(rows[i][j]);
                }
            }
            return OnnxTensor.createTensor(environment, IntBuffer.wrap(flat), shape);
        }
        long[] flat = new long[rows.length * width];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * width, width);
        }
        return OnnxTensor.createTensor(environment, LongBuffer.wrap(flat), shape);
    }

    private IllegalArgumentException mismatch(HfTokenizer tokenizer, long id, Throwable cause) {
        return new IllegalArgumentException("tokenizer " + tokenizer.path() + " does not match model " + modelPath
                + ": the model rejects token id " + id + " (tokenizer vocabulary " + tokenizer.vocabularySize()
                + "): " + firstLine(cause.getMessage()) + "; use the tokenizer.json that came with the model", cause);
    }

    /** ONNX Runtime's Gather reports ids outside the embedding table as indices out of bounds. */
    private static boolean looksLikeIdOutOfRange(String message) {
        String text = message == null ? "" : message.toLowerCase(java.util.Locale.ROOT);
        return text.contains("indices") || text.contains("out of bound") || text.contains("out of range");
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
