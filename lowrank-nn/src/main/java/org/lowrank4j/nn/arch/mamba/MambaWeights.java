package org.lowrank4j.nn.arch.mamba;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.lowrank4j.formats.safetensors.SafetensorsDtype;
import org.lowrank4j.formats.safetensors.SafetensorsModel;
import org.lowrank4j.formats.safetensors.SafetensorsWriter;
import org.lowrank4j.formats.safetensors.TensorSource;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.generate.FactorTensors;
import org.lowrank4j.nn.generate.HfCheckpoint;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/**
 * A {@link MambaModel}'s tensors under Hugging Face's Mamba names ({@code backbone.embeddings.weight},
 * {@code backbone.layers.N.mixer.in_proj.weight}, {@code …conv1d.weight} (C, 1, K), {@code …A_log} (C, N), {@code …D},
 * {@code backbone.norm_f.weight}); the output projection is tied and not stored. A factorised projection or A_log is
 * stored as its two factors {@code <name>.lowrank_A} (out, r) and {@code <name>.lowrank_B} (r, in) ({@link FactorTensors};
 * for A_log: U (C, k) and V (k, N)) and read back low-rank.
 */
final class MambaWeights {
    private MambaWeights() {
    }

    static void write(MambaModel model, Path folder, SafetensorsDtype dtype) throws IOException {
        Files.createDirectories(folder);
        SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
        for (Map.Entry<String, Tensor> e : tensors(model, true).entrySet()) {
            Tensor t = e.getValue();
            float[] values = new float[t.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) t.get(i);
            }
            writer.add(e.getKey(), dtype, Arrays.stream(t.shape()).asLongStream().toArray(), values);
        }
        writer.write(folder.resolve(SafetensorsModel.SINGLE_FILE));
        model.config().write(folder);
    }

    /**
     * Reads every tensor; a projection whose factors are present is installed low-rank first.
     *
     * @throws IllegalArgumentException naming the tensor and the file when one is missing, of another shape, or the
     *                                  file holds more layers than the config
     */
    static void read(MambaModel model, Path folder) throws IOException {
        Path file = folder.resolve(SafetensorsModel.SINGLE_FILE);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("model folder " + folder + " has no " + SafetensorsModel.SINGLE_FILE);
        }
        try (TensorSource source = SafetensorsModel.open(file)) {
            int layers = model.layers();
            HfCheckpoint.requireLayerCount(source, "backbone.layers.", layers, "num_hidden_layers");
            for (int l = 0; l < layers; l++) {
                for (Linear linear : factorisable(model.mixer(l))) {
                    if (FactorTensors.present(source, linear.name())) {
                        FactorTensors.install(source, linear.name(), linear);
                    }
                }
            }
            HfCheckpoint.read(source, tensors(model, false));
        }
    }

    private static Linear[] factorisable(MambaBlock m) {
        return new Linear[] {m.inProj(), m.xProj(), m.outProj(), m.aLog()};
    }

    /** Name → tensor; with {@code factors}, low-rank projections as their two factors (writing), else only dense ones (reading). */
    private static Map<String, Tensor> tensors(MambaModel model, boolean factors) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("backbone.embeddings.weight", model.embedding().token().value());
        for (int l = 0; l < model.layers(); l++) {
            MambaBlock m = model.mixer(l);
            out.put(model.norm(l).weight().name(), model.norm(l).weight().value());
            put(out, m.inProj(), factors);
            out.put(m.convWeight().name(), m.convWeight().value());
            out.put(m.convBias().name(), m.convBias().value());
            put(out, m.xProj(), factors);
            put(out, m.dtProj(), factors);
            out.put(m.dtProj().bias().name(), m.dtProj().bias().value());
            put(out, m.aLog(), factors);
            out.put(m.skip().name(), m.skip().value());
            put(out, m.outProj(), factors);
        }
        out.put("backbone.norm_f.weight", model.finalNorm().weight().value());
        return out;
    }

    private static void put(Map<String, Tensor> out, Linear linear, boolean factors) {
        if (linear.weight() instanceof DenseWeight dense) {
            Parameter p = dense.weight();
            out.put(p.name(), p.value());
        } else if (factors && !FactorTensors.put(out, linear.name(), linear)) {
            throw new IllegalArgumentException(linear.name() + ": a " + linear.weight().getClass().getSimpleName()
                    + " cannot be saved in a Mamba folder (dense or low-rank only)");
        }
    }
}
