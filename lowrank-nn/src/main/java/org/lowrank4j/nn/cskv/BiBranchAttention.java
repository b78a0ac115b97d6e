package org.lowrank4j.nn.cskv;

import org.lowrank4j.nn.layers.Attention;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Causal attention over two stores of the same positions: query t reads keys and values of its own window
 * ({@code [w·⌊t/w⌋, t]}) from the full-precision rows and every earlier one from the reconstructed rows. Computed in
 * float64, one (sequence, head, query) at a time.
 */
final class BiBranchAttention {
    private BiBranchAttention() {
    }

    /**
     * @param q     rotated queries (B,T,NH·D) of positions [past, past + T)
     * @param first the position of the first full-precision row
     * @param fullK rotated keys (B, past + T − first, NKV·D); fullV values (B, ·, NKV·Dv)
     * @param recK  rotated reconstructed keys (B, R, NKV·D) of positions [0, R), or null when R = 0; recV likewise
     * @return the attention output (B,T,NH·Dv), token-major
     */
    static Tensor attend(Attention attention, Tensor q, int past, int window, int first, Tensor fullK, Tensor fullV, Tensor recK, Tensor recV,
            int batch, int time) {
        int heads = attention.heads(), kvHeads = attention.kvHeads(), d = attention.headSize(), dv = attention.valueSize();
        int group = heads / kvHeads, fullRows = fullK.dim(1), recRows = recK == null ? 0 : recK.dim(1);
        double scale = attention.scale();
        double[] qa = q.toDoubleArray(), fk = fullK.toDoubleArray(), fv = fullV.toDoubleArray();
        double[] rk = recK == null ? new double[0] : recK.toDoubleArray(), rv = recV == null ? new double[0] : recV.toDoubleArray();
        int kw = kvHeads * d, vw = kvHeads * dv;
        double[] y = new double[batch * time * heads * dv];
        double[] scores = new double[past + time];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int g = h / group;
                for (int t = 0; t < time; t++) {
                    int position = past + t, split = CskvCache.firstFullPrecision(position, window);
                    int qAt = ((b * time + t) * heads + h) * d;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= position; j++) {
                        double[] keys = j < split ? rk : fk;
                        int at = j < split ? (b * recRows + j) * kw + g * d : (b * fullRows + j - first) * kw + g * d;
                        double dot = 0;
                        for (int i = 0; i < d; i++) {
                            dot += qa[qAt + i] * keys[at + i];
                        }
                        scores[j] = scale * dot;
                        max = Math.max(max, scores[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= position; j++) {
                        scores[j] = Math.exp(scores[j] - max);
                        sum += scores[j];
                    }
                    int yAt = ((b * time + t) * heads + h) * dv;
                    for (int j = 0; j <= position; j++) {
                        double p = scores[j] / sum;
                        double[] values = j < split ? rv : fv;
                        int at = j < split ? (b * recRows + j) * vw + g * dv : (b * fullRows + j - first) * vw + g * dv;
                        for (int i = 0; i < dv; i++) {
                            y[yAt + i] += p * values[at + i];
                        }
                    }
                }
            }
        }
        return Tensor.of(q.precision(), y, batch, time, heads * dv);
    }
}
