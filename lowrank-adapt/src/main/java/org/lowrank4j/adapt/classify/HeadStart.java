package org.lowrank4j.adapt.classify;

import java.util.Locale;

/**
 * Where a classifier's head starts when the encoder starts to train. Whatever the start, the head is first fitted on the
 * frozen encoder's features without a penalty, which gives the run's "before" figures (a linear probe).
 *
 * @param kind where training starts from
 * @param l2   for {@link Kind#PROBE}: the L2 penalty (λ/2)·‖W‖² (weights, not the bias) of a second fit from zero that
 *             training starts from instead of the plain probe; 0 for the plain probe itself
 */
public record HeadStart(Kind kind, double l2) {
    /** Training goes on from the plain probe's head. */
    public static final HeadStart PROBE = new HeadStart(Kind.PROBE, 0);
    /** The head starts from zero. */
    public static final HeadStart ZERO = new HeadStart(Kind.ZERO, 0);

    public enum Kind {
        /**
         * Linear probing, then fine-tuning from the probe's head. When the probe already separates the training texts,
         * the loss is near zero from the first step and the encoder gets little gradient; a penalised fit
         * ({@code probe:l2=λ}) leaves the head short of that, so the adapters have something to learn from.
         */
        PROBE,
        /**
         * The head is set back to zero and trains with the encoder from there, as a Hugging Face classifier trains its
         * new head: the early steps' gradient reaches the encoder in full.
         */
        ZERO
    }

    public HeadStart {
        if (kind == null || !(l2 >= 0) || !Double.isFinite(l2) || (kind == Kind.ZERO && l2 != 0)) {
            throw new IllegalArgumentException("a head start is probe, probe:l2=λ with λ >= 0, or zero; got " + kind + " with l2 " + l2);
        }
    }

    /** {@code probe}, {@code zero} or {@code probe:l2=λ}: what {@link #parse} reads and finetune.json records. */
    public String label() {
        String name = kind.name().toLowerCase(Locale.ROOT);
        return l2 == 0 ? name : name + ":l2=" + l2;
    }

    /** @throws IllegalArgumentException naming the option for anything but probe, probe:l2=λ (λ >= 0) or zero */
    public static HeadStart parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("probe")) {
            return PROBE;
        }
        if (t.equals("zero")) {
            return ZERO;
        }
        if (t.startsWith("probe:l2=")) {
            String value = t.substring("probe:l2=".length());
            try {
                return new HeadStart(Kind.PROBE, Double.parseDouble(value));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--head-start " + text + ": the penalty must be a number >= 0, e.g. probe:l2=0.01");
            }
        }
        throw new IllegalArgumentException("--head-start " + text
                + " is not known; use probe (go on from the frozen-feature fit), probe:l2=λ (from a fit with an L2 penalty) or zero");
    }
}
