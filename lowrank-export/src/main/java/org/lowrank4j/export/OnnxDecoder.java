package org.lowrank4j.export;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.lang.ref.Cleaner;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A decoder written by {@link DecoderExport}, run in ONNX Runtime with its key/value cache: what a Java program does
 * with the exported {@code model.onnx}. {@link #start()} begins a sequence; each {@link Sequence#append} runs new tokens
 * (a prompt, then one token at a time) against the keys and values of the earlier ones and returns their logits. The
 * cache stays in ONNX Runtime's tensors between calls: each call's {@code present.*} outputs are the next call's
 * {@code past_key_values.*} inputs.
 */
public final class OnnxDecoder implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();
    private final OrtEnvironment env;
    private final OrtSession session;
    private final int layers;
    private final long[][] keyShapes, valueShapes; // per layer: (1, kv heads, 0, head size)
    private final int vocab;

    private OnnxDecoder(OrtEnvironment env, OrtSession session) throws OrtException {
        this.env = env;
        this.session = session;
        Map<String, NodeInfo> inputs = session.getInputInfo();
        int n = 0;
        while (inputs.containsKey(DecoderGraph.pastKey(n))) {
            n++;
        }
        if (n == 0 || !inputs.containsKey("input_ids") || !inputs.containsKey("attention_mask") || !inputs.containsKey("position_ids")) {
            throw new IllegalArgumentException("not a decoder with a key/value cache: its inputs are " + inputs.keySet()
                    + "; expected input_ids, attention_mask, position_ids and past_key_values.N.key/value");
        }
        this.layers = n;
        this.keyShapes = new long[n][];
        this.valueShapes = new long[n][];
        for (int i = 0; i < n; i++) {
            keyShapes[i] = emptyCache(inputs.get(DecoderGraph.pastKey(i)));
            valueShapes[i] = emptyCache(inputs.get(DecoderGraph.pastValue(i)));
        }
        long[] logits = ((TensorInfo) session.getOutputInfo().get("logits").getInfo()).getShape();
        this.vocab = (int) logits[logits.length - 1];
    }

    private static long[] emptyCache(NodeInfo info) {
        long[] shape = ((TensorInfo) info.getInfo()).getShape().clone();
        shape[0] = 1;
        shape[2] = 0;
        return shape;
    }

    /**
     * Opens {@code model.onnx} with {@code threads} intra-op threads (0: ONNX Runtime's default) and every graph
     * optimisation.
     *
     * @throws IllegalArgumentException when the file is not a decoder with this cache layout
     */
    public static OnnxDecoder open(Path modelFile, int threads) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (threads > 0) {
                options.setIntraOpNumThreads(threads);
            }
            OrtSession session = env.createSession(modelFile.toString(), options);
            try {
                return new OnnxDecoder(env, session);
            } catch (RuntimeException | OrtException e) {
                session.close();
                throw e;
            }
        }
    }

    public int layers() {
        return layers;
    }

    public int vocabSize() {
        return vocab;
    }

    /** A new sequence with an empty cache. */
    public Sequence start() {
        return new Sequence(1);
    }

    /** {@code batch} new sequences with an empty cache, advanced together. */
    public Sequence start(int batch) {
        return new Sequence(batch);
    }

    /**
     * One forward of a padded batch without a past: {@code ids}, {@code mask} (1 real, 0 padding) and {@code positions}
     * are batch × time; returns the logits [batch][time][vocab].
     */
    public float[][][] forward(long[][] ids, long[][] mask, long[][] positions) throws OrtException {
        int batch = ids.length, time = ids[0].length;
        try (OrtSession.Result result = run(batch, time, flat(ids), flat(mask), flat(positions), null, java.util.Set.of("logits"))) {
            FloatBuffer logits = ((OnnxTensor) result.get("logits").get()).getFloatBuffer();
            float[][][] out = new float[batch][time][vocab];
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < time; t++) {
                    logits.get(out[b][t]);
                }
            }
            return out;
        }
    }

    private static long[] flat(long[][] rows) {
        return java.util.Arrays.stream(rows).flatMapToLong(java.util.Arrays::stream).toArray();
    }

    /**
     * One run of the graph: batch × time tokens and positions, the batch × (past + time) mask, and per layer the past
     * keys and values ({@code past}: key, value, key, value … in layer order; null for an empty past). The tensors made
     * here are closed here; {@code past} stays the caller's. {@code outputs} null asks for every output.
     */
    private OrtSession.Result run(int batch, int time, long[] tokens, long[] mask, long[] positions, OnnxTensor[] past,
            java.util.Set<String> outputs) throws OrtException {
        Map<String, OnnxTensor> in = new HashMap<>();
        java.util.List<OnnxTensor> made = new java.util.ArrayList<>();
        try {
            in.put("input_ids", keep(made, OnnxTensor.createTensor(env, LongBuffer.wrap(tokens), new long[] {batch, time})));
            in.put("attention_mask", keep(made, OnnxTensor.createTensor(env, LongBuffer.wrap(mask), new long[] {batch, mask.length / batch})));
            in.put("position_ids", keep(made, OnnxTensor.createTensor(env, LongBuffer.wrap(positions), new long[] {batch, time})));
            for (int i = 0; i < layers; i++) {
                in.put(DecoderGraph.pastKey(i), past == null ? keep(made, empty(keyShapes[i], batch)) : past[2 * i]);
                in.put(DecoderGraph.pastValue(i), past == null ? keep(made, empty(valueShapes[i], batch)) : past[2 * i + 1]);
            }
            return outputs == null ? session.run(in) : session.run(in, outputs);
        } finally {
            made.forEach(OnnxTensor::close);
        }
    }

    private static OnnxTensor keep(java.util.List<OnnxTensor> made, OnnxTensor t) {
        made.add(t);
        return t;
    }

    private OnnxTensor empty(long[] shape, int batch) throws OrtException {
        long[] s = shape.clone();
        s[0] = batch;
        return OnnxTensor.createTensor(env, FloatBuffer.allocate(0), s);
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }

    /**
     * The cache of {@code batch} sequences advanced together, one position each per token: the previous call's outputs,
     * held until the next call has read them. Sequences of different lengths are aligned at their ends, the first
     * {@link #startAt starts[b]} positions of row b being padding that no query sees (the mask's zeros); positions are
     * counted from the start of the cache, so padding shifts a row's RoPE positions, which leaves its scores as they
     * are. {@link #skipTo} and {@link #copyRow} let a batch take in sequences prefilled elsewhere: they move the keys and
     * values into Java arrays, which the next call hands back. {@link #close} frees the outputs; a sequence nobody closed
     * frees them when it is collected.
     */
    public final class Sequence implements AutoCloseable {
        private final int batch;
        private final Held held = new Held();
        private final Cleaner.Cleanable cleanable;
        private int length;
        private int[] starts;        // null: no padding
        private float[][] keys, values; // per layer (batch, kv heads, length, d) when the cache lives in Java, else null

        private Sequence(int batch) {
            if (batch < 1) {
                throw new IllegalArgumentException("a batch needs at least one sequence, got " + batch);
            }
            this.batch = batch;
            this.cleanable = CLEANER.register(this, held);
        }

        /** Positions already in the cache, padding included. */
        public int length() {
            return length;
        }

        public int batch() {
            return batch;
        }

        /** Marks the first {@code starts[b]} positions of row b as padding (null: none). */
        public void startAt(int[] starts) {
            if (starts != null && starts.length != batch) {
                throw new IllegalArgumentException(starts.length + " starts for a batch of " + batch);
            }
            this.starts = starts == null ? null : starts.clone();
        }

        /** Moves an empty cache to {@code length} positions of zeros (to be filled by {@link #copyRow} or left as padding). */
        public void skipTo(int length) {
            if (this.length != 0 || length < 0) {
                throw new IllegalArgumentException("skipTo needs an empty cache and a length >= 0, got " + length + " on a cache holding " + this.length);
            }
            held.run();
            keys = new float[layers][];
            values = new float[layers][];
            for (int i = 0; i < layers; i++) {
                keys[i] = new float[(int) (batch * keyShapes[i][1] * length * keyShapes[i][3])];
                values[i] = new float[(int) (batch * valueShapes[i][1] * length * valueShapes[i][3])];
            }
            this.length = length;
        }

        /** Copies positions [from, to) of row {@code sourceRow} of {@code source} into row {@code row} here, every layer. */
        public void copyRow(int row, Sequence source, int sourceRow, int from, int to) {
            if (source.decoder() != OnnxDecoder.this || row < 0 || row >= batch || sourceRow < 0 || sourceRow >= source.batch
                    || from < 0 || from > to || to > length || to > source.length) {
                throw new IllegalArgumentException("cannot copy positions [" + from + ", " + to + ") of row " + sourceRow + " of a cache of "
                        + source.length + " positions into row " + row + " of one of " + length);
            }
            materialize();
            source.materialize();
            for (int i = 0; i < layers; i++) {
                copy(source.keys[i], source.length, keys[i], length, (int) keyShapes[i][1], (int) keyShapes[i][3], sourceRow, row, from, to);
                copy(source.values[i], source.length, values[i], length, (int) valueShapes[i][1], (int) valueShapes[i][3], sourceRow, row, from, to);
            }
        }

        private OnnxDecoder decoder() {
            return OnnxDecoder.this;
        }

        private static void copy(float[] from, int fromLength, float[] to, int toLength, int heads, int d, int fromRow, int toRow, int first, int end) {
            for (int h = 0; h < heads; h++) {
                System.arraycopy(from, ((fromRow * heads + h) * fromLength + first) * d, to, ((toRow * heads + h) * toLength + first) * d,
                        (end - first) * d);
            }
        }

        /** The keys and values into Java arrays (from the last outputs, or empty), the outputs freed. */
        private void materialize() {
            if (keys != null) {
                return;
            }
            keys = new float[layers][];
            values = new float[layers][];
            for (int i = 0; i < layers; i++) {
                keys[i] = held.last == null ? new float[0] : read(held.last, DecoderGraph.presentKey(i));
                values[i] = held.last == null ? new float[0] : read(held.last, DecoderGraph.presentValue(i));
            }
            held.run();
        }

        private float[] read(OrtSession.Result result, String name) {
            FloatBuffer b = ((OnnxTensor) result.get(name).get()).getFloatBuffer();
            float[] out = new float[b.remaining()];
            b.get(out);
            return out;
        }

        /** Runs {@code ids} after the sequence so far (batch 1); returns their logits [time][vocab]. */
        public float[][] append(int[] ids) throws OrtException {
            if (batch != 1) {
                throw new IllegalStateException("append(int[]) is for one sequence; this cache holds " + batch);
            }
            float[] flat = append(ids, ids.length);
            float[][] out = new float[ids.length][];
            for (int t = 0; t < ids.length; t++) {
                out[t] = java.util.Arrays.copyOfRange(flat, t * vocab, (t + 1) * vocab);
            }
            return out;
        }

        /**
         * Runs {@code time} new tokens of each sequence ({@code ids}: batch × time, row-major) after the sequences so far;
         * returns their logits, batch × time × vocab, row-major.
         */
        public float[] append(int[] ids, int time) throws OrtException {
            if (time < 1 || ids.length != batch * time) {
                throw new IllegalArgumentException(ids.length + " ids for " + batch + " sequences of " + time + " new tokens");
            }
            int total = length + time;
            long[] tokens = new long[batch * time], positions = new long[batch * time], mask = new long[batch * total];
            for (int n = 0; n < tokens.length; n++) {
                tokens[n] = ids[n];
                positions[n] = length + n % time;
            }
            for (int b = 0; b < batch; b++) {
                java.util.Arrays.fill(mask, b * total + (starts == null ? 0 : Math.min(starts[b], total)), (b + 1) * total, 1);
            }
            OnnxTensor[] past = null;
            java.util.List<OnnxTensor> made = new java.util.ArrayList<>();
            try {
                if (keys != null) { // moved into Java by skipTo or copyRow: handed back as new tensors
                    past = new OnnxTensor[2 * layers];
                    for (int i = 0; i < layers; i++) {
                        past[2 * i] = keep(made, cached(keys[i], keyShapes[i]));
                        past[2 * i + 1] = keep(made, cached(values[i], valueShapes[i]));
                    }
                } else if (held.last != null) { // the previous call's outputs, as they are
                    past = new OnnxTensor[2 * layers];
                    for (int i = 0; i < layers; i++) {
                        past[2 * i] = (OnnxTensor) held.last.get(DecoderGraph.presentKey(i)).get();
                        past[2 * i + 1] = (OnnxTensor) held.last.get(DecoderGraph.presentValue(i)).get();
                    }
                }
                OrtSession.Result result = run(batch, time, tokens, mask, positions, past, null);
                held.run();
                held.last = result;
                keys = null;
                values = null;
                length = total;
                FloatBuffer logits = ((OnnxTensor) result.get("logits").get()).getFloatBuffer();
                float[] out = new float[batch * time * vocab];
                logits.get(out);
                return out;
            } finally {
                made.forEach(OnnxTensor::close);
            }
        }

        private OnnxTensor cached(float[] data, long[] shape) throws OrtException {
            return OnnxTensor.createTensor(env, FloatBuffer.wrap(data), new long[] {batch, shape[1], length, shape[3]});
        }

        /** Empties the cache (the sequences start again at position 0, without padding). */
        public void reset() {
            held.run();
            keys = null;
            values = null;
            starts = null;
            length = 0;
        }

        @Override
        public void close() {
            cleanable.clean();
            keys = null;
            values = null;
            length = 0;
        }
    }

    /** The outputs a sequence holds; closing them is the cleaning action, so it must not refer to the sequence. */
    private static final class Held implements Runnable {
        private OrtSession.Result last;

        @Override
        public void run() {
            if (last != null) {
                last.close();
                last = null;
            }
        }
    }
}
