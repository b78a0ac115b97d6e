package org.lowrank4j.compress.recover;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * The frozen teacher's block outputs (and a decoder's logits) per text, kept up to a byte budget so that later passes over the same text skip the
 * teacher's forward pass (about a quarter of a step). Only real tokens are kept: a text's states do not depend on the
 * batch it was padded into, because attention masks the padding. Texts are kept in the order first met until the budget
 * is spent; a batch with any text not kept runs the teacher.
 */
final class TeacherCache {
    private final long budgetBytes;
    private boolean enabled = true;
    private final Map<Integer, Tensor[]> states = new HashMap<>(); // text -> per output (tokens, width)
    private long usedBytes;

    TeacherCache(long budgetBytes) {
        this.budgetBytes = budgetBytes;
    }

    /** The teacher's outputs (B,T,width) for this batch, zero at padding; or null unless every row is kept. */
    List<Tensor> lookup(TokenBatch batch, Precision precision) {
        if (batch.rows() == null) {
            return null;
        }
        for (int b = 0; b < batch.batch(); b++) {
            Tensor[] kept = states.get(batch.rows()[b]);
            if (kept == null || kept[0].dim(0) != batch.length(b) || !firstTokensReal(batch, b)) {
                return null;
            }
        }
        int outputs = states.get(batch.rows()[0]).length;
        List<Tensor> out = new ArrayList<>(outputs);
        for (int l = 0; l < outputs; l++) {
            int width = states.get(batch.rows()[0])[l].dim(1);
            Tensor t = Tensor.zeros(precision, batch.batch(), batch.time(), width);
            for (int b = 0; b < batch.batch(); b++) {
                Tensor kept = states.get(batch.rows()[b])[l];
                int base = b * batch.time() * width;
                for (int i = 0; i < kept.size(); i++) {
                    t.set(base + i, kept.get(i));
                }
            }
            out.add(t);
        }
        return out;
    }

    /** Keeps the states of the batch's texts not kept yet, while the budget allows. */
    void store(TokenBatch batch, List<Tensor> teacher) {
        if (!enabled || batch.rows() == null || budgetBytes <= 0) {
            return;
        }
        int widths = 0;
        for (Tensor t : teacher) {
            widths += t.dim(-1);
        }
        int bytesPerValue = teacher.get(0).precision() == Precision.FLOAT32 ? 4 : 8;
        for (int b = 0; b < batch.batch(); b++) {
            int length = batch.length(b);
            long bytes = (long) length * widths * bytesPerValue;
            if (states.containsKey(batch.rows()[b]) || !firstTokensReal(batch, b) || usedBytes + bytes > budgetBytes) {
                continue;
            }
            Tensor[] kept = new Tensor[teacher.size()];
            for (int l = 0; l < kept.length; l++) {
                int width = teacher.get(l).dim(-1);
                kept[l] = Tensor.zeros(teacher.get(l).precision(), length, width);
                int base = b * batch.time() * width;
                for (int i = 0; i < kept[l].size(); i++) {
                    kept[l].set(i, teacher.get(l).get(base + i));
                }
            }
            states.put(batch.rows()[b], kept);
            usedBytes += bytes;
        }
    }

    /** Whether new states are kept (a run that never sees a text twice turns it off). */
    void setEnabled(boolean keep) {
        enabled = keep;
    }

    long usedBytes() {
        return usedBytes;
    }

    /** Right padding: the row's real tokens come first (what the cache layout assumes). */
    private static boolean firstTokensReal(TokenBatch batch, int b) {
        int length = batch.length(b);
        for (int t = 0; t < length; t++) {
            if (batch.mask()[b * batch.time() + t] == 0) {
                return false;
            }
        }
        return true;
    }
}
