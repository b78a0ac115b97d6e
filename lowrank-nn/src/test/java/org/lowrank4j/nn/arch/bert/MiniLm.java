package org.lowrank4j.nn.arch.bert;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The real all-MiniLM-L6-v2 (ONNX + tokenizer.json, resources of the langchain4j jar) copied to
 * {@code target/test-models}, a tokenizer for padded batches, and ONNX Runtime's {@code last_hidden_state}.
 */
final class MiniLm {
    private static final Path FOLDER = Path.of("target", "test-models");

    /** A right-padded batch: ids, token types (all 0) and mask, each (B·T). */
    record Batch(int batch, int time, int[] ids, int[] types, int[] mask) {}

    private MiniLm() {
    }

    static Path model() {
        return extract("all-minilm-l6-v2.onnx");
    }

    static Path tokenizerJson() {
        return extract("all-minilm-l6-v2-tokenizer.json");
    }

    static HuggingFaceTokenizer tokenizer() throws IOException {
        if (System.getProperty("DJL_CACHE_DIR") == null && System.getenv("DJL_CACHE_DIR") == null) {
            System.setProperty("DJL_CACHE_DIR", Path.of("target", "djl").toAbsolutePath().toString());
        }
        System.setProperty("ai.djl.offline", "true");
        return HuggingFaceTokenizer.builder().optTokenizerPath(tokenizerJson()).optAddSpecialTokens(true)
                .optTruncation(true).optMaxLength(128).optPadding(false).build();
    }

    /** Tokenizes and pads on the right (pad id 0) to the longest text. */
    static Batch encode(HuggingFaceTokenizer tokenizer, List<String> texts) {
        long[][] each = new long[texts.size()][];
        int time = 0;
        for (int i = 0; i < texts.size(); i++) {
            Encoding e = tokenizer.encode(texts.get(i));
            each[i] = e.getIds();
            time = Math.max(time, each[i].length);
        }
        int b = texts.size();
        int[] ids = new int[b * time], mask = new int[b * time];
        for (int i = 0; i < b; i++) {
            for (int t = 0; t < each[i].length; t++) {
                ids[i * time + t] = (int) each[i][t];
                mask[i * time + t] = 1;
            }
        }
        return new Batch(b, time, ids, new int[b * time], mask);
    }

    /** An ORT session on {@code model} with this many intra-op threads (sequential execution). */
    static OrtSession session(OrtEnvironment env, byte[] model, int threads) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        return env.createSession(model, options);
    }

    /** ORT's last_hidden_state (B,T,C) flattened. */
    static float[] run(OrtEnvironment env, OrtSession session, Batch batch) throws OrtException {
        long[] shape = {batch.batch(), batch.time()};
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(widen(batch.ids())), shape));
            inputs.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(widen(batch.mask())), shape));
            inputs.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(widen(batch.types())), shape));
            try (OrtSession.Result result = session.run(inputs)) {
                OnnxTensor out = (OnnxTensor) result.get("last_hidden_state").orElseThrow();
                java.nio.FloatBuffer buffer = out.getFloatBuffer();
                float[] values = new float[buffer.remaining()];
                buffer.get(values);
                return values;
            }
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private static long[] widen(int[] v) {
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    private static synchronized Path extract(String resource) {
        Path target = FOLDER.resolve(resource);
        try (InputStream in = MiniLm.class.getResourceAsStream("/" + resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the test classpath (langchain4j embedding jar)");
            }
            if (Files.isRegularFile(target)) {
                return target;
            }
            Files.createDirectories(FOLDER);
            Path temp = Files.createTempFile(FOLDER, resource, ".tmp");
            Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract " + resource, e);
        }
    }
}
