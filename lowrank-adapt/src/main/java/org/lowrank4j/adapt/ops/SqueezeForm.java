package org.lowrank4j.adapt.ops;

import java.util.Locale;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.nn.arch.llama.LlamaModel;

/**
 * Which of the squeezes to run: plain (each module's update by its own spectrum, no model needed), or calibrated on a
 * decoder and a text, module by module ({@link SqueezeCalibration}: by the inputs alone, or Fisher-weighted by the loss's
 * gradients too) or in the model's order, each module fitted to the inputs the squeezed modules before it give
 * ({@link CompensatedSqueeze}). {@code lowrank adapter squeeze} and In-Squeeze ({@code finetune --squeeze-to}) both run
 * their squeeze through here.
 *
 * @param weighting  NONE for the plain squeeze; INPUTS or FISHER for a calibrated one
 * @param compensate calibrated only: in the model's order, compensating the squeezes before
 * @param windows    calibrated only: at most this many windows of the model's context
 */
public record SqueezeForm(Weighting weighting, boolean compensate, int windows) {
    /** What a calibrated squeeze weighs each module's error by. */
    public enum Weighting {
        /** Nothing: the update's own energy. */
        NONE,
        /** The module's inputs (activation-aware). */
        INPUTS,
        /** The module's inputs and the loss's gradients at its outputs (K-FAC's estimate of the loss's rise). */
        FISHER;

        /** {@code none}, {@code inputs} or {@code fisher}, as the options spell them. */
        public static Weighting parse(String option, String value) {
            return switch (value.strip().toLowerCase(Locale.ROOT)) {
                case "none", "plain" -> NONE;
                case "inputs" -> INPUTS;
                case "fisher" -> FISHER;
                default -> throw new IllegalArgumentException(option + " " + value + ": use fisher, inputs or none");
            };
        }
    }

    /** The calibration windows the squeeze verb uses unless told otherwise. */
    public static final int DEFAULT_WINDOWS = 64;

    /** The squeeze by the updates' own spectra. */
    public static final SqueezeForm PLAIN = new SqueezeForm(Weighting.NONE, false, DEFAULT_WINDOWS);

    public SqueezeForm {
        if (weighting == null) {
            throw new IllegalArgumentException("a squeeze form needs a weighting (none, inputs or fisher)");
        }
        if (compensate && weighting == Weighting.NONE) {
            throw new IllegalArgumentException("the compensated squeeze is calibrated: give it a weighting (fisher or inputs) and a model");
        }
        if (weighting != Weighting.NONE && windows < 1) {
            throw new IllegalArgumentException("--calibration-windows must be at least 1, got " + windows);
        }
    }

    /** Whether this squeeze runs a decoder over calibration text. */
    public boolean calibrated() {
        return weighting != Weighting.NONE;
    }

    /**
     * Squeezes {@code adapter} to {@code target}.
     *
     * @param model    calibrated forms: a decoder loaded for this squeeze alone, with the adapter's base weights (the squeeze
     *                 attaches adapters to it); the plain form takes null
     * @param tokens   calibrated forms: the calibration tokens (not the text an evaluation scores); else null
     * @param progress calibrated forms tell it of each calibration window, the compensated form then of each group of
     *                 modules; may be null
     */
    public Squeeze.Result apply(PeftAdapter adapter, Squeeze.Target target, LlamaModel model, int[] tokens, SqueezeProgress progress) {
        if (!calibrated()) {
            return Squeeze.apply(adapter, target);
        }
        if (model == null || tokens == null) {
            throw new IllegalArgumentException("the " + describe() + " squeeze needs a decoder and calibration text");
        }
        boolean fisher = weighting == Weighting.FISHER;
        if (compensate) {
            return CompensatedSqueeze.apply(model, adapter, target, tokens, windows, fisher, progress);
        }
        SqueezeCalibration.Grams grams = SqueezeCalibration.grams(model, adapter, tokens, windows, fisher, progress);
        return Squeeze.apply(adapter, target, grams.inputs(), grams.outputGradients());
    }

    /** A few words for printouts and records: "plain", "Fisher-weighted", "compensated activation-aware", … */
    public String describe() {
        String w = switch (weighting) {
            case NONE -> "plain";
            case INPUTS -> "activation-aware";
            case FISHER -> "Fisher-weighted";
        };
        return compensate ? "compensated " + w : w;
    }
}
