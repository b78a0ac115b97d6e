package org.lowrank4j.nn.arch.mamba;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.nn.generate.DecoderCache;
import org.lowrank4j.nn.layers.KVCache;

/**
 * What a Mamba model carries from one decoded position to the next: per layer, the last K − 1 convolution inputs and
 * the scan state h (B, C, N). Its size does not grow with the sequence; {@link #capacity()} only bounds the positions
 * to the model's context, as for the attention caches.
 */
public final class MambaState extends DecoderCache {
    private final List<Layer> layers = new ArrayList<>();
    private final int batch, capacity;
    private int length;

    MambaState(MambaConfig config, int batch, int capacity) {
        if (batch < 1 || capacity < 1) {
            throw new IllegalArgumentException("a Mamba decoding state needs batch >= 1 and capacity >= 1, got " + batch + " and " + capacity);
        }
        this.batch = batch;
        this.capacity = capacity;
        for (int l = 0; l < config.layers(); l++) {
            layers.add(new Layer(batch, config.convKernel() - 1, config.inner(), config.stateSize()));
        }
    }

    /** One layer's state: the convolution window (B, K−1, C), oldest first, and h (B, C, N). */
    static final class Layer {
        private final int window, channels, states;
        private final double[] inputs;
        private final double[] h;

        Layer(int batch, int window, int channels, int states) {
            this.window = window;
            this.channels = channels;
            this.states = states;
            this.inputs = new double[batch * window * channels];
            this.h = new double[batch * channels * states];
        }

        double window(int b, int k, int c) {
            return inputs[(b * window + k) * channels + c];
        }

        /** Shifts channel c of sequence b one position and appends {@code value}. */
        void push(int b, int c, double value) {
            if (window == 0) {
                return;
            }
            for (int k = 0; k < window - 1; k++) {
                inputs[(b * window + k) * channels + c] = inputs[(b * window + k + 1) * channels + c];
            }
            inputs[(b * window + window - 1) * channels + c] = value;
        }

        /** The window from the last positions of u0 (B, L, C) (zeros before position 0) and h (B, C, N). */
        void set(int batch, int length, double[] u0, double[] finalH) {
            for (int b = 0; b < batch; b++) {
                for (int k = 0; k < window; k++) {
                    int t = length - window + k;
                    for (int c = 0; c < channels; c++) {
                        inputs[(b * window + k) * channels + c] = t < 0 ? 0 : u0[(b * length + t) * channels + c];
                    }
                }
            }
            System.arraycopy(finalH, 0, h, 0, h.length);
        }

        double h(int b, int c, int n) {
            return h[(b * channels + c) * states + n];
        }

        void setH(int b, int c, int n, double value) {
            h[(b * channels + c) * states + n] = value;
        }

        void reset() {
            java.util.Arrays.fill(inputs, 0);
            java.util.Arrays.fill(h, 0);
        }
    }

    Layer state(int layer) {
        return layers.get(layer);
    }

    void advance(int steps) {
        length += steps;
    }

    /** Not an attention model: there are no key/value caches. */
    @Override
    public KVCache layer(int index) {
        throw new UnsupportedOperationException("a Mamba model keeps a recurrent state, not key/value caches");
    }

    /** A recurrent state cannot skip positions: it has no keys to mask. */
    @Override
    public void skipTo(int length) {
        throw new UnsupportedOperationException("a Mamba model keeps a recurrent state: it decodes one sequence at a time");
    }

    @Override
    public void copyRow(int row, DecoderCache source, int sourceRow, int from, int to) {
        throw new UnsupportedOperationException("a Mamba model keeps a recurrent state: it decodes one sequence at a time");
    }

    @Override
    public int layerCount() {
        return layers.size();
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public int batch() {
        return batch;
    }

    @Override
    public void reset() {
        length = 0;
        for (Layer l : layers) {
            l.reset();
        }
    }
}
