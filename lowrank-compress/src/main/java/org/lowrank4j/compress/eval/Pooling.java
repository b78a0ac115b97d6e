package org.lowrank4j.compress.eval;

/**
 * How token states (batch, tokens, hidden) become one vector per text. Pure array code, no runtime involved.
 */
public enum Pooling {
    /** Mean over the tokens whose attention mask is 1 (all-MiniLM-L6-v2 and most sentence-transformers). */
    MEAN,
    /** The state of the first token, [CLS] (bge). */
    CLS;

    /**
     * Pools a flat (batch, tokens, hidden) row-major array.
     *
     * @param hidden token states, {@code batch * tokens * width} values
     * @param mask   attention mask (batch, tokens); only read by {@link #MEAN}
     * @return (batch, width) embeddings, new arrays
     */
    public float[][] pool(float[] hidden, int batch, int tokens, int width, long[][] mask) {
        if ((long) batch * tokens * width != hidden.length) {
            throw new IllegalArgumentException("hidden has " + hidden.length + " values, expected (" + batch + ", "
                    + tokens + ", " + width + ")");
        }
        float[][] out = new float[batch][width];
        for (int b = 0; b < batch; b++) {
            int base = b * tokens * width;
            if (this == CLS) {
                System.arraycopy(hidden, base, out[b], 0, width);
                continue;
            }
            double[] sum = new double[width];
            int count = 0;
            for (int t = 0; t < tokens; t++) {
                if (mask[b][t] == 0) {
                    continue;
                }
                count++;
                int offset = base + t * width;
                for (int c = 0; c < width; c++) {
                    sum[c] += hidden[offset + c];
                }
            }
            double scale = 1.0 / Math.max(count, 1);
            for (int c = 0; c < width; c++) {
                out[b][c] = (float) (sum[c] * scale);
            }
        }
        return out;
    }
}
