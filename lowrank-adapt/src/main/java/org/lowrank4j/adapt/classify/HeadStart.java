package org.lowrank4j.adapt.classify;

import java.util.Locale;

/**
 * Where a classifier's head starts when the encoder starts to train. Either way the head is first fitted on the frozen
 * encoder's features, which gives the run's "before" figures (a linear probe).
 */
public enum HeadStart {
    /**
     * Training goes on from the probe's head (linear probing, then fine-tuning). When the probe already separates the
     * training texts, the loss is near zero from the first step and the encoder gets little gradient.
     */
    PROBE,
    /**
     * The head is set back to zero and trains with the encoder from there, as a Hugging Face classifier trains its new
     * head: the early steps' gradient reaches the encoder in full.
     */
    ZERO;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming the option for anything but probe or zero */
    public static HeadStart parse(String text) {
        for (HeadStart h : values()) {
            if (h.label().equalsIgnoreCase(text)) {
                return h;
            }
        }
        throw new IllegalArgumentException("--head-start " + text + " is not known; use probe (go on from the frozen-feature fit) or zero");
    }
}
