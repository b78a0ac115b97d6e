package org.lowrank4j.nn.generate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.formats.safetensors.SafetensorsDtype;
import org.lowrank4j.formats.safetensors.SafetensorsModel;
import org.lowrank4j.formats.safetensors.SafetensorsWriter;
import org.lowrank4j.formats.safetensors.TensorSource;
import org.lowrank4j.nn.tensor.FloatTensor;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Moves a model's tensors, keyed by their Hugging Face names, between the runtime and a model folder
 * ({@code config.json} + {@code model.safetensors}). The architectures build the name → tensor maps (transposing or
 * splitting where Hugging Face stores a tensor differently); this class checks presence and shapes and copies.
 */
public final class HfCheckpoint {
    private HfCheckpoint() {
    }

    /**
     * Copies every tensor of {@code targets} from {@code source}, checking each shape against the target's.
     *
     * @throws IllegalArgumentException naming the tensor and the file when one is missing or has another shape
     */
    public static void read(TensorSource source, Map<String, Tensor> targets) {
        for (Map.Entry<String, Tensor> e : targets.entrySet()) {
            read(source, e.getKey(), e.getValue());
        }
    }

    /**
     * Refuses a checkpoint that holds a layer past the config's count: any tensor named {@code layerPrefix + layers + "."…}
     * (layers are numbered from 0, so that is the first layer too many), whatever the family stores in it.
     *
     * @param layerPrefix the names' stem before the layer number, e.g. {@code "model.layers."}
     * @param configField the config field that gave {@code layers}, for the message
     * @throws IllegalArgumentException naming the file and the field
     */
    public static void requireLayerCount(TensorSource source, String layerPrefix, int layers, String configField) {
        String extra = layerPrefix + layers + ".";
        if (source.names().stream().anyMatch(n -> n.startsWith(extra))) {
            throw new IllegalArgumentException(source.path() + " holds more layers than config field " + configField + " = " + layers);
        }
    }

    /** Copies tensor {@code name} of {@code source} into {@code target} after checking presence and shape. */
    public static void read(TensorSource source, String name, Tensor target) {
        if (!source.contains(name)) {
            throw new IllegalArgumentException("missing tensor '" + name + "' in " + source.path() + " (expected shape "
                    + target.shapeString() + ")");
        }
        int[] shape = target.shape();
        long[] expected = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            expected[i] = shape[i];
        }
        source.requireShape(name, expected);
        if (target instanceof FloatTensor f) {
            float[] values = source.readFloats(name);
            System.arraycopy(values, 0, f.data(), 0, values.length);
        } else {
            double[] values = source.readDoubles(name);
            for (int i = 0; i < values.length; i++) {
                target.set(i, values[i]);
            }
        }
    }

    /**
     * Writes {@code config.json} and {@code model.safetensors} into {@code folder} (created if needed), each file
     * atomically, so a checkpoint interrupted mid-write leaves the previous files intact.
     *
     * @throws IllegalArgumentException when the folder holds a sharded model (its index would shadow the new file)
     */
    public static void write(Path folder, HfConfig config, Map<String, Tensor> tensors, SafetensorsDtype dtype) throws IOException {
        Files.createDirectories(folder);
        if (Files.exists(folder.resolve(SafetensorsModel.INDEX_FILE))) {
            throw new IllegalArgumentException(folder + " holds a sharded model (" + SafetensorsModel.INDEX_FILE
                    + ") that would shadow the saved weights; choose another folder");
        }
        SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            long[] shape = Arrays.stream(t.shape()).asLongStream().toArray();
            writer.add(e.getKey(), dtype, shape, floats(t));
        }
        writer.write(folder.resolve(SafetensorsModel.SINGLE_FILE));
        config.write(folder.resolve(HfConfig.FILE_NAME));
    }

    /**
     * A tensor's values as floats: a float32 tensor's own array (the writer reads it before this method's caller returns, so
     * a model is saved without a second copy of its weights), otherwise a rounded copy.
     */
    private static float[] floats(Tensor t) {
        if (t instanceof FloatTensor f && f.data().length == t.size()) {
            return f.data();
        }
        float[] values = new float[t.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) t.get(i);
        }
        return values;
    }
}
