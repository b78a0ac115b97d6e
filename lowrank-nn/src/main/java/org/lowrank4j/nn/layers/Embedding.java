package org.lowrank4j.nn.layers;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.nn.Module;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Token embedding plus optional learned position embedding (BERT, GPT-2) and optional token-type embedding
 * (BERT's segment ids): {@code out[b,t] = token[ids[b,t]] + position[start + t] + type[types[b,t]]}.
 * Models with rotary positions (LLaMA) use neither extra table. A scale other than one multiplies the sum (Gemma's
 * √C on its token rows); the tables stay as stored. With a token projection ({@link #projected}: OPT-350M's
 * {@code project_in}), token rows narrower than the model are projected to its width before the positions are added.
 */
public final class Embedding implements Module {
    private final String name;
    private final Parameter token;    // (V, C)
    private final Parameter position; // (maxPositions, C), or null
    private final Parameter type;     // (typeVocab, C), or null
    private int[] tokenIds;           // (B·T) of the latest forward
    private int[] positionIds;        // (B·T)
    private int[] typeIds;            // (B·T), or null
    private final double scale;       // multiplies the looked-up rows
    private final Linear projection;  // token rows (Cin) -> channels (C) before the positions are added, or null

    /**
     * @param maxPositions 0 for no position table
     * @param typeVocab    0 for no token-type table
     */
    public Embedding(String name, int vocab, int channels, int maxPositions, int typeVocab, Precision precision) {
        this(name, vocab, channels, maxPositions, typeVocab, precision, 1);
    }

    /** As the other constructor, with the rows multiplied by {@code scale} (positive and finite) on the way out. */
    public Embedding(String name, int vocab, int channels, int maxPositions, int typeVocab, Precision precision, double scale) {
        this(name, vocab, channels, maxPositions, typeVocab, precision, scale, null);
    }

    /**
     * Token rows of {@code projection.inFeatures()} values, projected to {@code projection.outFeatures()} channels, plus
     * learned positions of that width (OPT-350M: 512-wide rows, {@code project_in} to 1,024).
     */
    public static Embedding projected(String name, int vocab, Linear projection, int maxPositions, Precision precision) {
        return new Embedding(name, vocab, projection.inFeatures(), maxPositions, 0, precision, 1, projection);
    }

    private Embedding(String name, int vocab, int tokenWidth, int maxPositions, int typeVocab, Precision precision, double scale,
            Linear projection) {
        this.projection = projection;
        int channels = projection == null ? tokenWidth : projection.outFeatures();
        if (!(scale > 0) || !Double.isFinite(scale)) {
            throw new IllegalArgumentException(name + ": embedding scale must be positive and finite, got " + scale);
        }
        this.scale = scale;
        if (vocab < 1 || channels < 1 || maxPositions < 0 || typeVocab < 0) {
            throw new IllegalArgumentException(name + ": bad embedding sizes vocab=" + vocab + " channels=" + channels
                    + " maxPositions=" + maxPositions + " typeVocab=" + typeVocab);
        }
        this.name = name;
        this.token = new Parameter(name + ".token.weight", Tensor.zeros(precision, vocab, tokenWidth));
        this.position = maxPositions > 0 ? new Parameter(name + ".position.weight", Tensor.zeros(precision, maxPositions, channels)) : null;
        this.type = typeVocab > 0 ? new Parameter(name + ".type.weight", Tensor.zeros(precision, typeVocab, channels)) : null;
    }

    /** The token table (V, C); share it with an output projection to tie weights. */
    public Parameter token() {
        return token;
    }

    /** The position table, or null. */
    public Parameter position() {
        return position;
    }

    /** The token-type table, or null. */
    public Parameter type() {
        return type;
    }

    /** What the looked-up rows are multiplied by (1 for most models). */
    public double scale() {
        return scale;
    }

    /** The width of the output: the token rows', or the projection's output. */
    public int channels() {
        return projection == null ? token.value().dim(1) : projection.outFeatures();
    }

    /** The projection of the token rows to the model's width ({@code project_in}), or null. */
    public Linear projection() {
        return projection;
    }

    /**
     * ids (B·T), types (B·T) or null (all type 0), positions start + t -> out (B, T, C).
     *
     * @param startPosition position of the first time step (non-zero when decoding after a prefix)
     */
    public Tensor forward(int[] ids, int[] types, int batch, int time, int startPosition) {
        return lookup(ids, types, batch, time, startPosition, true);
    }

    /** {@link #forward} for inference: the same output, keeping nothing for {@link #backward}. */
    public Tensor lookup(int[] ids, int[] types, int batch, int time, int startPosition) {
        return lookup(ids, types, batch, time, startPosition, false);
    }

    private Tensor lookup(int[] ids, int[] types, int batch, int time, int startPosition, boolean keep) {
        if (batch < 1 || time < 1 || ids.length != batch * time) {
            throw new IllegalArgumentException(name + ": " + ids.length + " token ids do not form a (" + batch + ", " + time + ") batch");
        }
        checkIds("token id", ids, token.value().dim(0));
        int[] positions = new int[ids.length];
        for (int n = 0; n < ids.length; n++) {
            positions[n] = startPosition + n % time;
        }
        if (position != null) {
            checkIds("position", positions, position.value().dim(0));
        }
        int[] typeRows = null;
        if (type != null) {
            typeRows = types == null ? new int[ids.length] : types;
            if (typeRows.length != ids.length) {
                throw new IllegalArgumentException(name + ": " + typeRows.length + " token-type ids for " + ids.length + " tokens");
            }
            checkIds("token-type id", typeRows, type.value().dim(0));
        } else if (types != null) {
            throw new IllegalArgumentException(name + ": token-type ids given but the embedding has no token-type table");
        }
        int[] tokenRows = ids.clone();
        typeRows = typeRows == null ? null : typeRows.clone();
        if (keep) {
            tokenIds = tokenRows;
            positionIds = positions;
            typeIds = typeRows;
        }
        Tensor out = Tensor.zeros(token.value().precision(), batch, time, token.value().dim(1));
        Kernels k = Kernels.of(out);
        k.gatherRows(out, token.value(), tokenRows, false);
        if (projection != null) {
            out = projection.forward(out); // (B, T, C), a new tensor
        }
        if (position != null) {
            k.gatherRows(out, position.value(), positions, true);
        }
        if (type != null) {
            k.gatherRows(out, type.value(), typeRows, true);
        }
        if (scale != 1) { // a float32 model multiplies by the float32 scale, as PyTorch does
            double s = out.precision() == Precision.FLOAT32 ? (float) scale : scale;
            for (int i = 0; i < out.size(); i++) {
                out.set(i, out.get(i) * s);
            }
        }
        return out;
    }

    /** dout (B, T, C): adds into the gradients of the tables rows that the latest forward read. */
    public void backward(Tensor dout) {
        if (tokenIds == null) {
            throw new IllegalStateException(name + ": backward called before forward");
        }
        if (dout.size() != tokenIds.length * channels() || dout.dim(-1) != channels()) {
            throw new IllegalArgumentException(name + ": output gradient " + dout.shapeString() + " does not match "
                    + tokenIds.length + " tokens of " + channels() + " channels");
        }
        if (scale != 1 && parameters().stream().anyMatch(p -> !p.isFrozen())) {
            dout = dout.copy();
            for (int i = 0; i < dout.size(); i++) {
                dout.set(i, dout.get(i) * scale);
            }
        }
        Kernels k = Kernels.of(dout);
        if (projection != null) {
            if (!token.isFrozen() || projection.parameters().stream().anyMatch(p -> !p.isFrozen())) {
                Tensor drows = projection.backward(dout); // the projection's own gradients, and the rows'
                if (!token.isFrozen()) {
                    k.scatterAddRows(token.gradient(), drows, tokenIds);
                }
            }
        } else if (!token.isFrozen()) {
            k.scatterAddRows(token.gradient(), dout, tokenIds);
        }
        if (position != null && !position.isFrozen()) {
            k.scatterAddRows(position.gradient(), dout, positionIds);
        }
        if (type != null && !type.isFrozen()) {
            k.scatterAddRows(type.gradient(), dout, typeIds);
        }
    }

    private void checkIds(String what, int[] ids, int limit) {
        for (int n = 0; n < ids.length; n++) {
            if (ids[n] < 0 || ids[n] >= limit) {
                throw new IllegalArgumentException(name + ": " + what + " " + ids[n] + " at index " + n + " is outside [0, " + limit + ")");
            }
        }
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>(List.of(token));
        if (projection != null) {
            out.addAll(projection.parameters());
        }
        if (position != null) {
            out.add(position);
        }
        if (type != null) {
            out.add(type);
        }
        return out;
    }
}
