package org.lowrank4j.nn.stream;

import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Accounts the temporaries of a streaming forward: every buffer is taken from here and given back when its last use is
 * over, so {@link #peakBytes()} is the most temporary memory held at once and {@link #largestBytes()} the largest single
 * buffer (the figure FlashSVD bounds independently of d_ff and of the sequence length's square). Not thread-safe: one per
 * forward.
 */
public final class TransientMemory {
    private long liveBytes;
    private long peakBytes;
    private long largestBytes;

    /** A zero float32 tensor of this shape, counted as live until {@link #give}. */
    public Tensor take(int... shape) {
        Tensor t = Tensor.zeros(Precision.FLOAT32, shape);
        long bytes = 4L * t.size();
        liveBytes += bytes;
        peakBytes = Math.max(peakBytes, liveBytes);
        largestBytes = Math.max(largestBytes, bytes);
        return t;
    }

    /** Ends the life of buffers taken here (null entries are ignored). */
    public void give(Tensor... buffers) {
        for (Tensor t : buffers) {
            if (t != null) {
                liveBytes -= 4L * t.size();
            }
        }
    }

    public long liveBytes() {
        return liveBytes;
    }

    public long peakBytes() {
        return peakBytes;
    }

    public long largestBytes() {
        return largestBytes;
    }
}
