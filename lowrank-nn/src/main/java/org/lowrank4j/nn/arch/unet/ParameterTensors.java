package org.lowrank4j.nn.arch.unet;

import java.util.List;
import org.lowrank4j.formats.safetensors.SafetensorsDtype;
import org.lowrank4j.formats.safetensors.SafetensorsWriter;
import org.lowrank4j.formats.safetensors.TensorInfo;
import org.lowrank4j.formats.safetensors.TensorSource;
import org.lowrank4j.nn.Parameter;

/** A module's parameters to and from safetensors under a name prefix (e.g. {@code ordinal.enc1.weight}), in float32. */
public final class ParameterTensors {
    private ParameterTensors() {
    }

    /** Adds every parameter as an F32 tensor named {@code prefix + name}. */
    public static void addTo(SafetensorsWriter writer, String prefix, List<Parameter> parameters) {
        for (Parameter p : parameters) {
            int[] shape = p.value().shape();
            long[] dims = new long[shape.length];
            for (int i = 0; i < shape.length; i++) {
                dims[i] = shape[i];
            }
            double[] values = p.value().toDoubleArray();
            float[] floats = new float[values.length];
            for (int i = 0; i < values.length; i++) {
                floats[i] = (float) values[i];
            }
            writer.add(prefix + p.name(), SafetensorsDtype.F32, dims, floats);
        }
    }

    /**
     * Fills every parameter from the tensor {@code prefix + name} of {@code source}.
     *
     * @throws IllegalArgumentException naming the tensor when it is missing, has another shape, or holds a non-finite value
     */
    public static void loadFrom(TensorSource source, String what, String prefix, List<Parameter> parameters) {
        for (Parameter p : parameters) {
            String name = prefix + p.name();
            if (!source.contains(name)) {
                throw new IllegalArgumentException(what + " has no tensor '" + name + "'");
            }
            TensorInfo info = source.info(name);
            long[] shape = info.shape();
            int[] expected = p.value().shape();
            boolean same = shape.length == expected.length;
            for (int i = 0; same && i < shape.length; i++) {
                same = shape[i] == expected[i];
            }
            if (!same) {
                throw new IllegalArgumentException(what + ": tensor '" + name + "' has shape " + java.util.Arrays.toString(shape) + ", expected "
                        + p.value().shapeString());
            }
            float[] values = source.readFloats(name);
            for (int i = 0; i < values.length; i++) {
                if (!Float.isFinite(values[i])) {
                    throw new IllegalArgumentException(what + ": tensor '" + name + "' holds a non-finite value at index " + i);
                }
                p.value().set(i, values[i]);
            }
        }
    }
}
