package org.lowrank4j.adapt.classify;

import java.util.Locale;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * How the token states (B, T, C) of an encoder become one vector (B, C) per text, with its backward pass: the mean over
 * the real tokens (sentence-transformers such as all-MiniLM-L6-v2) or the first token's state ([CLS], bge).
 */
public enum EncoderPooling {
    MEAN, CLS;

    /** {@code mean} or {@code cls}, as the CLI and the classifier's record write it. */
    public static EncoderPooling parse(String name) {
        try {
            return valueOf(name.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--pooling " + name + " is not known; use mean or cls");
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param hidden (B, T, C)
     * @param mask   (B·T) 1 for a real token, 0 for padding
     * @return (B, C), in the precision of {@code hidden}
     */
    public Tensor forward(Tensor hidden, int[] mask, int batch, int time) {
        int c = hidden.dim(-1);
        Tensor out = Tensor.zeros(hidden.precision(), batch, c);
        for (int b = 0; b < batch; b++) {
            int count = this == CLS ? 1 : realTokens(mask, b, time);
            int tokens = this == CLS ? 1 : time;
            for (int t = 0; t < tokens; t++) {
                if (this == MEAN && mask[b * time + t] == 0) {
                    continue;
                }
                int row = (b * time + t) * c;
                for (int j = 0; j < c; j++) {
                    out.set(b * c + j, out.get(b * c + j) + hidden.get(row + j) / count);
                }
            }
        }
        return out;
    }

    /**
     * dL/d hidden from dL/d pooled: the mean spreads each gradient evenly over the real tokens, [CLS] puts it on the
     * first token; padding gets zero.
     *
     * @param dPooled (B, C)
     * @return (B, T, C)
     */
    public Tensor backward(Tensor dPooled, int[] mask, int batch, int time) {
        int c = dPooled.dim(-1);
        Tensor d = Tensor.zeros(dPooled.precision(), batch, time, c);
        for (int b = 0; b < batch; b++) {
            int count = this == CLS ? 1 : realTokens(mask, b, time);
            int tokens = this == CLS ? 1 : time;
            for (int t = 0; t < tokens; t++) {
                if (this == MEAN && mask[b * time + t] == 0) {
                    continue;
                }
                int row = (b * time + t) * c;
                for (int j = 0; j < c; j++) {
                    d.set(row + j, dPooled.get(b * c + j) / count);
                }
            }
        }
        return d;
    }

    private static int realTokens(int[] mask, int b, int time) {
        int n = 0;
        for (int t = 0; t < time; t++) {
            n += mask[b * time + t];
        }
        return Math.max(n, 1);
    }
}
