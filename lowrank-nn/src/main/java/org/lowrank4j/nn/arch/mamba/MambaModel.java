package org.lowrank4j.nn.arch.mamba;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.lowrank4j.formats.safetensors.SafetensorsDtype;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.generate.DecoderCache;
import org.lowrank4j.nn.layers.Embedding;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.layers.RMSNorm;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/**
 * A Mamba language model: token embedding (V, d), L residual blocks {@code x ← x + Mixer(RMSNorm(x))} with
 * {@link MambaBlock} mixers, a final RMSNorm and the output projection tied to the embedding table. No positions: the
 * scan orders the sequence. Saved as a Hugging Face style folder ({@link MambaWeights}).
 */
public final class MambaModel implements CausalLanguageModel {
    private final MambaConfig config;
    private final Precision precision;
    private final Embedding embedding;        // (V, d)
    private final List<RMSNorm> norms = new ArrayList<>();
    private final List<MambaBlock> mixers = new ArrayList<>();
    private final RMSNorm finalNorm;          // (d)
    private final Linear head;                // (V, d), the embedding table

    private MambaModel(MambaConfig config, Precision precision) {
        this.config = config;
        this.precision = precision;
        this.embedding = new Embedding("backbone.embeddings", config.vocab(), config.hidden(), 0, 0, precision);
        for (int l = 0; l < config.layers(); l++) {
            norms.add(new RMSNorm("backbone.layers." + l + ".norm", config.hidden(), config.eps(), precision));
            mixers.add(new MambaBlock("backbone.layers." + l + ".mixer", config, precision));
        }
        this.finalNorm = new RMSNorm("backbone.norm_f", config.hidden(), config.eps(), precision);
        this.head = new Linear("lm_head", new DenseWeight(embedding.token()), null);
    }

    /** A model of the config's shape with zero parameters (norms at one); see {@link #initialize}. */
    public static MambaModel create(MambaConfig config, Precision precision) {
        return new MambaModel(config, precision);
    }

    /** Reads a folder written by {@link #save} or {@link #saveFactors}. */
    public static MambaModel load(Path folder, Precision precision) throws IOException {
        MambaModel model = new MambaModel(MambaConfig.read(folder), precision);
        MambaWeights.read(model, folder);
        return model;
    }

    /**
     * Mamba's initialisation: embeddings N(0, 0.02²); projections N(0, 1/in) (out_proj also scaled by 1/√(2L));
     * Δ's bias the inverse softplus of a step drawn log-uniformly in [0.001, 0.1]; A_log[c, n] = log(n + 1) (S4D-real);
     * D = 1; convolution filters uniform in ±1/√K.
     */
    public void initialize(Random random) {
        fill(embedding.token().value(), random, 0.02);
        int inner = config.inner(), states = config.stateSize(), width = config.convKernel();
        for (MambaBlock m : mixers) {
            fill(((DenseWeight) m.inProj().weight()).weight().value(), random, 1 / Math.sqrt(config.hidden()));
            fill(((DenseWeight) m.xProj().weight()).weight().value(), random, 1 / Math.sqrt(inner));
            fill(((DenseWeight) m.dtProj().weight()).weight().value(), random, 1 / Math.sqrt(config.dtRank()));
            fill(((DenseWeight) m.outProj().weight()).weight().value(), random, 1 / Math.sqrt(inner) / Math.sqrt(2.0 * config.layers()));
            Tensor bias = m.dtProj().bias().value();
            for (int c = 0; c < inner; c++) {
                double dt = Math.exp(Math.log(1e-3) + random.nextDouble() * (Math.log(0.1) - Math.log(1e-3)));
                bias.set(c, dt + Math.log(-Math.expm1(-dt)));
            }
            Tensor aLog = ((DenseWeight) m.aLog().weight()).weight().value();
            for (int c = 0; c < inner; c++) {
                for (int n = 0; n < states; n++) {
                    aLog.set(c * states + n, Math.log(n + 1));
                }
            }
            m.skip().value().fill(1);
            Tensor conv = m.convWeight().value();
            for (int i = 0; i < conv.size(); i++) {
                conv.set(i, (2 * random.nextDouble() - 1) / Math.sqrt(width));
            }
        }
    }

    private static void fill(Tensor t, Random random, double std) {
        for (int i = 0; i < t.size(); i++) {
            t.set(i, std * random.nextGaussian());
        }
    }

    /** Writes config.json and model.safetensors (projections stored as they are: dense, or as their two factors). */
    public void save(Path folder) throws IOException {
        MambaWeights.write(this, folder, SafetensorsDtype.F32);
    }

    @Override
    public void saveFactors(Path folder, SafetensorsDtype dtype) throws IOException {
        MambaWeights.write(this, folder, dtype);
    }

    private void checkIds(int batch, int time) {
        if (time > config.context()) {
            throw new IllegalArgumentException("sequence of " + time + " positions exceeds the model's context (max_position_embeddings = "
                    + config.context() + ")");
        }
    }

    @Override
    public Tensor forward(int[] ids, int batch, int time) {
        checkIds(batch, time);
        Tensor x = embedding.forward(ids, null, batch, time, 0); // (B,T,d)
        for (int l = 0; l < mixers.size(); l++) {
            Tensor delta = mixers.get(l).forward(norms.get(l).forward(x));
            Kernels.of(delta).addInPlace(delta, x);
            x = delta;
        }
        return head.forward(finalNorm.forward(x)); // (B,T,V)
    }

    @Override
    public void backward(Tensor dlogits) {
        backward(dlogits, null, null);
    }

    /**
     * Backward with further gradients entering each mixer's read-out and decay ({@code dReadouts.get(l)},
     * {@code dDecays.get(l)}, (B·T·C) each or null; the lists themselves may be null): state-alignment distillation.
     */
    public void backward(Tensor dlogits, List<double[]> dReadouts, List<double[]> dDecays) {
        Tensor dx = finalNorm.backward(head.backward(dlogits));
        for (int l = mixers.size() - 1; l >= 0; l--) {
            Tensor dMixed = norms.get(l).backward(mixers.get(l).backward(dx, dReadouts == null ? null : dReadouts.get(l),
                    dDecays == null ? null : dDecays.get(l)));
            Kernels.of(dx).addInPlace(dMixed, dx);
            dx = dMixed;
        }
        embedding.backward(dx);
    }

    @Override
    public DecoderCache newCache(int batch, int capacity) {
        checkIds(batch, capacity);
        return new MambaState(config, batch, capacity);
    }

    @Override
    public Tensor decode(int[] ids, int batch, int time, DecoderCache cache) {
        if (!(cache instanceof MambaState state) || state.layerCount() != mixers.size() || state.batch() != batch) {
            throw new IllegalArgumentException("decode needs a state made by this model's newCache for a batch of " + batch);
        }
        if (ids.length != batch * time || state.length() + time > state.capacity()) {
            throw new IllegalArgumentException(ids.length + " ids for (" + batch + ", " + time + ") at position " + state.length()
                    + " of a state for " + state.capacity() + " positions");
        }
        if (state.length() == 0 && time > 1) { // a prefill: one parallel forward, then the state where it ended
            Tensor logits = forward(ids, batch, time);
            for (int l = 0; l < mixers.size(); l++) {
                mixers.get(l).exportState(state.state(l));
            }
            state.advance(time);
            return logits;
        }
        Tensor logits = Tensor.zeros(precision, batch, time, config.vocab());
        int[] column = new int[batch];
        for (int t = 0; t < time; t++) {
            for (int b = 0; b < batch; b++) {
                column[b] = ids[b * time + t];
            }
            Tensor x = embedding.forward(column, null, batch, 1, 0); // (B,1,d)
            for (int l = 0; l < mixers.size(); l++) {
                Tensor delta = mixers.get(l).step(norms.get(l).forward(x), state.state(l));
                Kernels.of(delta).addInPlace(delta, x);
                x = delta;
            }
            Tensor row = head.forward(finalNorm.forward(x)); // (B,1,V)
            for (int b = 0; b < batch; b++) {
                for (int v = 0; v < config.vocab(); v++) {
                    logits.set((b * time + t) * config.vocab() + v, row.get(b * config.vocab() + v));
                }
            }
            state.advance(1);
        }
        return logits;
    }

    @Override
    public Linear outputProjection() {
        return head;
    }

    /**
     * The projections compression may factorise, keyed {@code "block N mixer.in_proj"}, {@code x_proj}, {@code out_proj}
     * and {@code A_log} (the state transition, (C, N)); Δ's projection (already rank R) is not listed.
     */
    @Override
    public Map<String, Linear> linearSites() {
        Map<String, Linear> sites = new LinkedHashMap<>();
        for (int l = 0; l < mixers.size(); l++) {
            MambaBlock m = mixers.get(l);
            String b = "block " + l + " mixer.";
            sites.put(b + "in_proj", m.inProj());
            sites.put(b + "x_proj", m.xProj());
            sites.put(b + "out_proj", m.outProj());
            sites.put(b + "A_log", m.aLog());
        }
        return sites;
    }

    @Override
    public List<Parameter> parameters() {
        LinkedHashSet<Parameter> out = new LinkedHashSet<>(embedding.parameters());
        for (int l = 0; l < mixers.size(); l++) {
            out.addAll(norms.get(l).parameters());
            out.addAll(mixers.get(l).parameters());
        }
        out.addAll(finalNorm.parameters());
        out.addAll(head.parameters());
        return List.copyOf(out);
    }

    public MambaConfig config() {
        return config;
    }

    /** Mixer {@code l}. */
    public MambaBlock mixer(int l) {
        return mixers.get(l);
    }

    /** The RMSNorm before mixer {@code l}. */
    public RMSNorm norm(int l) {
        return norms.get(l);
    }

    public RMSNorm finalNorm() {
        return finalNorm;
    }

    public Embedding embedding() {
        return embedding;
    }

    public int layers() {
        return mixers.size();
    }

    @Override
    public int vocabSize() {
        return config.vocab();
    }

    @Override
    public int maxPositions() {
        return config.context();
    }

    @Override
    public Precision precision() {
        return precision;
    }
}
