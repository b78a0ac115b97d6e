package org.lowrank4j.nn.weight;

/**
 * A weight whose matrices can be pinned for inference: the linear-algebra backend keeps its own copy of them (native
 * memory for OpenBLAS), and forwards read that copy instead of copying the weight in at every product. While pinned
 * the weight must not change, and a backward pass is refused.
 */
public interface Pinnable {

    /** Takes the backend's copy; nothing when already pinned. A factor that is a view into a larger array is left unpinned. */
    void pin();

    /** Frees the copy; nothing when not pinned. */
    void unpin();

    boolean isPinned();
}
