package org.lowrank4j.serve.embed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.lowrank4j.compress.eval.EmbeddingRunner;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.compress.tokenize.EncodedBatch;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.serve.ApiError;
import org.lowrank4j.serve.ServerMetrics;

/**
 * An ONNX encoder served for embeddings: a folder with {@code model.onnx} and {@code tokenizer.json} (or an
 * {@code .onnx} file with {@code tokenizer.json} beside it), run by lowrank-compress's {@link EmbeddingRunner} with its
 * {@link Pooling}, vectors L2-normalised as langchain4j's {@code OnnxEmbeddingModel} returns them. Requests go through
 * an {@link EmbeddingBatcher}.
 */
public final class EncoderModel implements AutoCloseable {
    public static final String MODEL_FILE = "model.onnx", TOKENIZER_FILE = "tokenizer.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path modelFile;
    private final Pooling pooling;
    private final HfTokenizer tokenizer;
    private final EmbeddingRunner runner;
    private final EmbeddingBatcher batcher;
    private final int maxInputTokens;
    private final Duration timeout;

    /** The embeddings of one request and the tokens they read. */
    public record Embeddings(float[][] vectors, long promptTokens) {
    }

    private EncoderModel(Path modelFile, Pooling pooling, HfTokenizer tokenizer, EmbeddingRunner runner, int maxBatch, Duration window,
            int maxInputTokens, Duration timeout, ServerMetrics metrics) {
        this.modelFile = modelFile;
        this.pooling = pooling;
        this.tokenizer = tokenizer;
        this.runner = runner;
        this.maxInputTokens = maxInputTokens;
        this.timeout = timeout;
        this.batcher = new EmbeddingBatcher(runner, pooling, tokenizer.padId(), maxBatch, window.toNanos(), metrics::batch);
    }

    /** True when {@code model} is an .onnx file or a folder holding {@value #MODEL_FILE}. */
    public static boolean isEncoder(Path model) {
        return Files.isRegularFile(model) ? model.getFileName().toString().endsWith(".onnx") : Files.isRegularFile(model.resolve(MODEL_FILE));
    }

    /**
     * Opens an encoder.
     *
     * @param poolingName "mean", "cls" or "auto" (see {@link #pooling(Path, String)})
     * @throws IllegalArgumentException naming the file when the tokenizer is missing or does not fit the model
     */
    public static EncoderModel open(Path model, String poolingName, int threads, int maxBatch, Duration window, int maxInputTokens,
            Duration timeout, ServerMetrics metrics) {
        Path folder = Files.isRegularFile(model) ? model.toAbsolutePath().getParent() : model;
        Path modelFile = Files.isRegularFile(model) ? model : model.resolve(MODEL_FILE);
        Path tokenizerFile = folder.resolve(TOKENIZER_FILE);
        if (!Files.isRegularFile(tokenizerFile)) {
            throw new IllegalArgumentException("--model " + model + ": no " + TOKENIZER_FILE + " in " + folder
                    + "; an encoder folder needs model.onnx and the tokenizer.json that came with it");
        }
        Pooling pooling = pooling(folder, poolingName);
        // one token more than allowed, so that an over-long input shows as truncated at maxInputTokens + 1
        HfTokenizer tokenizer = HfTokenizer.load(tokenizerFile, maxInputTokens + 1);
        EmbeddingRunner runner = null;
        try {
            runner = EmbeddingRunner.open(modelFile, new EmbeddingRunner.Options(threads, maxBatch));
            runner.requireMatches(tokenizer);
            requireLength(runner, tokenizer, modelFile, maxInputTokens);
            return new EncoderModel(modelFile, pooling, tokenizer, runner, maxBatch, window, maxInputTokens, timeout, metrics);
        } catch (RuntimeException e) {
            if (runner != null) {
                runner.close();
            }
            tokenizer.close();
            throw e;
        }
    }

    /**
     * Runs the model once on an input of {@code maxInputTokens} tokens: a limit beyond the model's positions is refused
     * here, rather than failing with a 500 every batch that an input of such a length joins, its batch mates with it.
     */
    private static void requireLength(EmbeddingRunner runner, HfTokenizer tokenizer, Path modelFile, int maxInputTokens) {
        long[] ids = new long[maxInputTokens], mask = new long[maxInputTokens];
        Arrays.fill(ids, tokenizer.padId());
        Arrays.fill(mask, 1L);
        try {
            runner.runOnly(new EncodedBatch(new long[][] {ids}, new long[][] {mask}, new long[1][maxInputTokens]));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--max-input-tokens " + maxInputTokens + " is more than " + modelFile + " takes: it fails on an"
                    + " input that long (" + e.getMessage() + "); give at most its position count (512 for BERT-family encoders)", e);
        }
    }

    /**
     * The pooling to use: {@code mean} or {@code cls} as asked; {@code auto} reads sentence-transformers'
     * {@code 1_Pooling/config.json} when the folder has one ({@code pooling_mode_cls_token: true} means CLS) and is
     * mean pooling otherwise.
     */
    static Pooling pooling(Path folder, String name) {
        switch (name) {
            case "mean":
                return Pooling.MEAN;
            case "cls":
                return Pooling.CLS;
            default:
                Path config = folder.resolve("1_Pooling").resolve("config.json");
                if (!Files.isRegularFile(config)) {
                    return Pooling.MEAN;
                }
                try {
                    JsonNode root = JSON.readTree(config.toFile());
                    return root.path("pooling_mode_cls_token").asBoolean(false) ? Pooling.CLS : Pooling.MEAN;
                } catch (IOException e) {
                    throw new IllegalArgumentException(config + " is not valid JSON (" + e.getMessage() + "); fix it or pass --pooling mean|cls");
                }
        }
    }

    /**
     * Embeds the texts of one request.
     *
     * @throws ApiError 400 for a text over the token limit, 504 past the timeout
     */
    public Embeddings embed(List<String> texts) {
        long[][] ids = new long[texts.size()][];
        long tokens = 0;
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tokenizer.ids(texts.get(i));
            if (ids[i].length > maxInputTokens) {
                throw new ApiError(400, "input_too_long", "input " + i + " has more than " + maxInputTokens
                        + " tokens (special tokens included); this server takes at most " + maxInputTokens + " per input (--max-input-tokens)");
            }
            tokens += ids[i].length;
        }
        Future<float[][]> result = batcher.submit(ids);
        try {
            return new Embeddings(result.get(timeout.toMillis(), TimeUnit.MILLISECONDS), tokens);
        } catch (TimeoutException e) {
            result.cancel(false);
            throw new ApiError(504, "timeout", "the embeddings took longer than " + timeout.toSeconds() + " s (--timeout); try fewer inputs");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(503, "interrupted", "the server was interrupted");
        } catch (ExecutionException | CancellationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new ApiError(500, "runtime_error", "ONNX Runtime failed on this batch: " + cause.getMessage());
        }
    }

    public Path modelFile() {
        return modelFile;
    }

    public Pooling pooling() {
        return pooling;
    }

    @Override
    public void close() {
        batcher.close();
        runner.close();
        tokenizer.close();
    }
}
