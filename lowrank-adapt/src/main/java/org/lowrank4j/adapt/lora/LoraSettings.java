package org.lowrank4j.adapt.lora;

/**
 * Rank, α, dropout and scaling rule of new adapters.
 *
 * @param rank      r, at least 1
 * @param alpha     lora_alpha; the update is scaled by α/r (or α/√r)
 * @param dropout   lora_dropout in [0, 1)
 * @param useRslora rsLoRA scaling α/√r
 */
public record LoraSettings(int rank, double alpha, double dropout, boolean useRslora) {

    public LoraSettings {
        check(rank, alpha, dropout, "LoRA rank r", "lora_alpha", "lora_dropout");
    }

    /**
     * The rules a rank, α and dropout must meet, refused in one line under the names given (PEFT's fields here, the
     * command-line options where a command passes them on).
     */
    public static void check(int rank, double alpha, double dropout, String rankName, String alphaName, String dropoutName) {
        if (rank < 1) {
            throw new IllegalArgumentException(rankName + " must be at least 1, got " + rank);
        }
        if (!Double.isFinite(alpha)) {
            throw new IllegalArgumentException(alphaName + " must be a finite number, got " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException(dropoutName + " must be in [0, 1), got " + dropout);
        }
    }

    /** r and α, no dropout, α/r scaling. */
    public static LoraSettings of(int rank, double alpha) {
        return new LoraSettings(rank, alpha, 0, false);
    }
}
