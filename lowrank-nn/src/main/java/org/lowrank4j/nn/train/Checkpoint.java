package org.lowrank4j.nn.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank4j.formats.safetensors.SafetensorsDtype;
import org.lowrank4j.formats.safetensors.SafetensorsFile;
import org.lowrank4j.formats.safetensors.SafetensorsWriter;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.DoubleTensor;
import org.lowrank4j.nn.tensor.FloatTensor;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * A training checkpoint as one safetensors file, written atomically: every parameter under its own name, every
 * optimizer state tensor under {@code optimizer.<state name>} (AdamW's moments: {@code optimizer.m.<name>} and
 * {@code optimizer.v.<name>}), and in {@code __metadata__} the optimizer's method and the integer state — training
 * step, optimizer step, data seed and shuffled-pass position — as decimal strings.
 *
 * <p>Tensors keep their precision: float32 as F32, float64 as F64, so both resume bit for bit and other tools read
 * the file as a plain model. A tensor is loaded into the precision of the parameter it restores.
 */
public final class Checkpoint {
    public static final String FIRST_MOMENT_PREFIX = "optimizer.m.";
    public static final String SECOND_MOMENT_PREFIX = "optimizer.v.";
    static final String KEY_STEP = "train.step";
    static final String KEY_OPTIMIZER_STEP = "optimizer.step";
    /** The metadata key naming the optimizer ({@link Optimizer#method()}); absent in older files, which are AdamW's. */
    public static final String KEY_OPTIMIZER_METHOD = "optimizer.method";
    /** The prefix of every optimizer state tensor: {@code optimizer.<name of Optimizer#state()>}. */
    public static final String OPTIMIZER_PREFIX = "optimizer.";
    static final String KEY_DATA_SEED = "data.seed";
    static final String KEY_DATA_EPOCH = "data.epoch";
    static final String KEY_DATA_OFFSET = "data.offset";

    /**
     * The integer state of a run besides the tensors.
     *
     * @param step         optimizer steps completed (the next step to run)
     * @param dataSeed     the shuffle seed of the training windows
     * @param dataPosition where the shuffled pass continues
     */
    public record TrainingState(long step, long dataSeed, TokenWindows.Position dataPosition) {
    }

    private Checkpoint() {
    }

    /**
     * Writes parameters, the optimizer's moments (when {@code optimizer} is not null) and the state atomically to
     * {@code target}; an existing file there is replaced only once the new one is complete.
     *
     * @param extraMetadata further metadata entries (model config, schedule), may be empty
     */
    public static void write(Path target, List<Parameter> parameters, Optimizer optimizer, TrainingState state,
            Map<String, String> extraMetadata) throws IOException {
        SafetensorsWriter writer = new SafetensorsWriter();
        writer.metadata("format", "pt");
        writer.metadata(extraMetadata);
        writer.metadata(KEY_STEP, Long.toString(state.step()));
        writer.metadata(KEY_DATA_SEED, Long.toString(state.dataSeed()));
        writer.metadata(KEY_DATA_EPOCH, Long.toString(state.dataPosition().epoch()));
        writer.metadata(KEY_DATA_OFFSET, Integer.toString(state.dataPosition().offset()));
        for (Parameter p : GradientClipping.distinct(parameters)) {
            add(writer, p.name(), p.value());
        }
        if (optimizer != null) {
            writer.metadata(KEY_OPTIMIZER_STEP, Long.toString(optimizer.stepCount()));
            writer.metadata(KEY_OPTIMIZER_METHOD, optimizer.method());
            for (Map.Entry<String, Tensor> e : optimizer.state().entrySet()) {
                add(writer, OPTIMIZER_PREFIX + e.getKey(), e.getValue());
            }
        }
        writer.write(target);
    }

    /**
     * Loads a checkpoint into {@code parameters} and, when not null, the optimizer's moments and step count. Every
     * tensor is read and checked before anything is changed, so a failed load leaves model and optimizer as they were.
     *
     * @return the training state stored with it
     * @throws IllegalArgumentException naming the tensor or metadata key that is missing or has the wrong shape, or
     *                                  when the checkpoint holds the state of another optimizer method
     */
    public static TrainingState read(Path source, List<Parameter> parameters, Optimizer optimizer) throws IOException {
        try (SafetensorsFile file = SafetensorsFile.open(source)) {
            Map<String, String> meta = file.metadata();
            TrainingState state = new TrainingState(longKey(file, KEY_STEP), longKey(file, KEY_DATA_SEED),
                    new TokenWindows.Position(longKey(file, KEY_DATA_EPOCH), (int) longKey(file, KEY_DATA_OFFSET)));
            Map<Tensor, Tensor> loads = new LinkedHashMap<>();
            for (Parameter p : GradientClipping.distinct(parameters)) {
                loads.put(p.value(), load(file, p.name(), p.value()));
            }
            long optimizerStep = 0;
            if (optimizer != null) {
                if (!meta.containsKey(KEY_OPTIMIZER_STEP)) {
                    throw new IllegalArgumentException("checkpoint " + source + " holds no optimizer state (metadata '"
                            + KEY_OPTIMIZER_STEP + "' is missing)");
                }
                String method = optimizerMethod(meta);
                if (!method.equals(optimizer.method())) {
                    throw new IllegalArgumentException("checkpoint " + source + " holds the state of optimizer '" + method
                            + "', not of '" + optimizer.method() + "'; resume with the method it was written by");
                }
                optimizerStep = longKey(file, KEY_OPTIMIZER_STEP);
                for (Map.Entry<String, Tensor> e : optimizer.state().entrySet()) {
                    loads.put(e.getValue(), load(file, OPTIMIZER_PREFIX + e.getKey(), e.getValue()));
                }
            }
            loads.forEach(Tensor::copyFrom);
            if (optimizer != null) {
                optimizer.setStepCount(optimizerStep);
            }
            return state;
        }
    }

    /** The optimizer method a checkpoint's metadata names ({@value AdamW#METHOD} when it names none). */
    public static String optimizerMethod(Map<String, String> metadata) {
        String method = metadata.get(KEY_OPTIMIZER_METHOD);
        return method == null ? AdamW.METHOD : method.trim();
    }

    /** The metadata of a checkpoint, without loading tensors. */
    public static Map<String, String> readMetadata(Path source) throws IOException {
        try (SafetensorsFile file = SafetensorsFile.open(source)) {
            return Map.copyOf(file.metadata());
        }
    }

    /** The training state of a checkpoint, without loading tensors. */
    public static TrainingState readState(Path source) throws IOException {
        try (SafetensorsFile file = SafetensorsFile.open(source)) {
            return new TrainingState(longKey(file, KEY_STEP), longKey(file, KEY_DATA_SEED),
                    new TokenWindows.Position(longKey(file, KEY_DATA_EPOCH), (int) longKey(file, KEY_DATA_OFFSET)));
        }
    }

    private static void add(SafetensorsWriter writer, String name, Tensor t) {
        long[] shape = longShape(t.shape());
        if (t instanceof FloatTensor f) {
            writer.add(name, SafetensorsDtype.F32, shape, f.data());
            return;
        }
        writer.add(name, shape, ((DoubleTensor) t).data()); // F64
    }

    /** The stored values of {@code name} as a tensor like {@code like}, converted to its precision. */
    private static Tensor load(SafetensorsFile file, String name, Tensor like) {
        if (!file.contains(name)) {
            throw new IllegalArgumentException("checkpoint " + file.path() + " has no tensor '" + name + "' " + like.shapeString());
        }
        file.requireShape(name, longShape(like.shape()));
        Tensor out = like.zerosLike();
        if (like.precision() == Precision.FLOAT64) {
            System.arraycopy(file.readDoubles(name), 0, ((DoubleTensor) out).data(), 0, like.size());
        } else {
            out.copyFrom(FloatTensor.wrap(file.readFloats(name), like.shape()));
        }
        return out;
    }

    private static long longKey(SafetensorsFile file, String key) {
        String value = file.metadata().get(key);
        if (value == null) {
            throw new IllegalArgumentException("checkpoint " + file.path() + " lacks metadata '" + key + "'");
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("checkpoint " + file.path() + ": metadata '" + key + "' is \"" + value
                    + "\", not an integer", e);
        }
    }

    private static long[] longShape(int[] shape) {
        long[] out = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            out[i] = shape[i];
        }
        return out;
    }
}
