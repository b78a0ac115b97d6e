package org.lowrank4j.compress.runtime;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.compress.tokenize.EncodedBatch;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.layers.Linear;

/**
 * A BERT encoder (for example loaded with {@link org.lowrank4j.nn.arch.bert.BertOnnx}) with calibration sentences in
 * padded batches. Padding rows are computed by the model but reported as not real, so they never enter statistics.
 */
public final class EncoderRuntime implements RuntimeModel {
    private static final String[] ROLES = {"attention.query", "attention.key", "attention.value", "attention.output", "ffn.up", "ffn.down"};
    private static final int[] STAGES = {0, 0, 0, 1, 2, 3};

    /** One padded batch: ids, mask (1 real, 0 padding) and token types, each (B·T) row-major. */
    public record Batch(int[] ids, int[] mask, int[] types, int batch, int time) {
        public Batch {
            if (batch < 1 || time < 1 || ids.length != batch * time || mask.length != ids.length || (types != null && types.length != ids.length)) {
                throw new IllegalArgumentException("an encoder batch of (" + batch + ", " + time + ") needs " + batch * time
                        + " ids, mask entries and types, got " + ids.length + ", " + mask.length + ", " + (types == null ? "no" : types.length));
            }
        }
    }

    private final BertModel model;
    private final List<Batch> batches;
    private final List<RuntimeSite> sites;

    public EncoderRuntime(BertModel model, List<Batch> batches) {
        if (batches.isEmpty()) {
            throw new IllegalArgumentException("an encoder runtime needs at least one calibration batch");
        }
        this.model = model;
        this.batches = List.copyOf(batches);
        List<RuntimeSite> list = new ArrayList<>();
        for (int l = 0; l < model.blocks().size(); l++) {
            List<Linear> linears = model.linears(l);
            for (int i = 0; i < ROLES.length; i++) {
                list.add(new RuntimeSite("block " + l + " " + ROLES[i], ROLES[i], l, STAGES[i], linears.get(i)));
            }
        }
        this.sites = List.copyOf(list);
    }

    /** Token id sequences padded with {@code padId} into batches of {@code perBatch} (length of the longest in each). */
    public static EncoderRuntime of(BertModel model, List<int[]> sequences, int padId, int perBatch) {
        if (perBatch < 1) {
            throw new IllegalArgumentException("sequences per batch must be >= 1, got " + perBatch);
        }
        List<Batch> batches = new ArrayList<>();
        for (int first = 0; first < sequences.size(); first += perBatch) {
            List<int[]> part = sequences.subList(first, Math.min(sequences.size(), first + perBatch));
            int time = part.stream().mapToInt(s -> s.length).max().orElse(0);
            if (time == 0) {
                throw new IllegalArgumentException("calibration sequences " + first + ".." + (first + part.size() - 1) + " are empty");
            }
            int[] ids = new int[part.size() * time], mask = new int[ids.length];
            java.util.Arrays.fill(ids, padId);
            for (int b = 0; b < part.size(); b++) {
                System.arraycopy(part.get(b), 0, ids, b * time, part.get(b).length);
                java.util.Arrays.fill(mask, b * time, b * time + part.get(b).length, 1);
            }
            batches.add(new Batch(ids, mask, null, part.size(), time));
        }
        return new EncoderRuntime(model, batches);
    }

    /** Texts tokenized with the encoder's tokenizer.json, {@code perBatch} at a time. */
    public static EncoderRuntime of(BertModel model, HfTokenizer tokenizer, List<String> texts, int perBatch) {
        if (texts.isEmpty() || perBatch < 1) {
            throw new IllegalArgumentException("calibration needs at least one text and perBatch >= 1");
        }
        List<Batch> batches = new ArrayList<>();
        for (int first = 0; first < texts.size(); first += perBatch) {
            EncodedBatch e = tokenizer.encode(texts.subList(first, Math.min(texts.size(), first + perBatch)));
            int batch = e.size(), time = e.length();
            int[] ids = new int[batch * time], mask = new int[ids.length], types = new int[ids.length];
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < time; t++) {
                    ids[b * time + t] = (int) e.inputIds()[b][t];
                    mask[b * time + t] = (int) e.attentionMask()[b][t];
                    types[b * time + t] = (int) e.tokenTypeIds()[b][t];
                }
            }
            batches.add(new Batch(ids, mask, types, batch, time));
        }
        return new EncoderRuntime(model, batches);
    }

    public BertModel model() {
        return model;
    }

    @Override
    public List<RuntimeSite> sites() {
        return sites;
    }

    @Override
    public int batchCount() {
        return batches.size();
    }

    /** Calibration batch {@code index} (0 ≤ index &lt; {@link #batchCount()}). */
    public Batch batch(int index) {
        return batches.get(index);
    }

    @Override
    public int[] forward(int index) {
        Batch b = batches.get(index);
        model.forward(b.ids(), b.types(), b.mask(), b.batch(), b.time());
        return b.mask();
    }

    @Override
    public int[] forward(int index, int blockCount) {
        Batch b = batches.get(index);
        model.forwardBlocks(b.ids(), b.types(), b.mask(), b.batch(), b.time(), blockCount);
        return b.mask();
    }

    @Override
    public long parameterCount() {
        return model.parameterCount();
    }
}
