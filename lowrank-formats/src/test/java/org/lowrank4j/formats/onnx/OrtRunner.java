package org.lowrank4j.formats.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** Runs an encoder in ONNX Runtime on a fixed small batch of token ids; the reference for the tests. */
final class OrtRunner {

    /** Two sequences of BERT vocabulary ids, the second padded; the same ids for both encoders. */
    static final long[][] INPUT_IDS = {
            {101, 1996, 4248, 2829, 4419, 14523, 2058, 1996, 13971, 3899, 1012, 102},
            {101, 2659, 1011, 4635, 4106, 1997, 15756, 6125, 102, 0, 0, 0}};
    static final long[][] ATTENTION_MASK = {
            {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
            {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0}};

    private OrtRunner() {}

    /** Every float output of the model on the fixed batch, by name, flattened. */
    static Map<String, float[]> run(Path model) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(2);
            try (OrtSession session = env.createSession(model.toString(), options)) {
                Map<String, OnnxTensor> inputs = new HashMap<>();
                try {
                    for (String name : session.getInputNames()) {
                        long[][] values = switch (name) {
                            case "input_ids" -> INPUT_IDS;
                            case "attention_mask" -> ATTENTION_MASK;
                            case "token_type_ids" -> new long[INPUT_IDS.length][INPUT_IDS[0].length];
                            default -> throw new IllegalStateException("unexpected model input " + name);
                        };
                        inputs.put(name, OnnxTensor.createTensor(env, values));
                    }
                    Map<String, float[]> outputs = new LinkedHashMap<>();
                    try (OrtSession.Result result = session.run(inputs)) {
                        for (Map.Entry<String, ai.onnxruntime.OnnxValue> entry : result) {
                            FloatBuffer buffer = ((OnnxTensor) entry.getValue()).getFloatBuffer();
                            float[] values = new float[buffer.remaining()];
                            buffer.get(values);
                            outputs.put(entry.getKey(), values);
                        }
                    }
                    return outputs;
                } finally {
                    inputs.values().forEach(OnnxTensor::close);
                }
            }
        }
    }

    /** Largest absolute difference between two arrays of the same length. */
    static double maxDifference(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("lengths differ: " + a.length + " vs " + b.length);
        }
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }
}
