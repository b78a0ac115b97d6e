package org.lowrank4j.compress.prune;

import java.util.Locale;
import org.lowrank4j.compress.methods.MethodSpec;

/**
 * Options of HierarchicalPrune (docs/specs/hierarchical-prune.md): {@code hierarchical-prune[:blocks=K|:keep=N]
 * [:protect=P][:order=sensitivity|position][:probe=S]}. At most one of blocks and keep; without either, the
 * command's --ratio or --target-size sets how many blocks go.
 *
 * @param blocks  blocks to remove, or -1
 * @param keep    blocks to keep, or -1
 * @param protect the first blocks never removed (positional weight preservation), or -1 for ⌊L/3⌋
 * @param order   which unprotected blocks go first: the least sensitive, or the last
 * @param probe   calibration sentences (encoders) or windows (decoders) on which sensitivity is measured
 */
public record PruneOptions(int blocks, int keep, int protect, Order order, int probe) {
    /** The method's name on the command line. */
    public static final String NAME = "hierarchical-prune";

    /** Which unprotected blocks are removed first. */
    public enum Order { SENSITIVITY, POSITION }

    public PruneOptions {
        if (blocks != -1 && blocks < 1) {
            throw new IllegalArgumentException(NAME + ": blocks must be at least 1 (the number of blocks to remove), got " + blocks);
        }
        if (keep != -1 && keep < 1) {
            throw new IllegalArgumentException(NAME + ": keep must be at least 1 (the number of blocks to keep), got " + keep);
        }
        if (blocks != -1 && keep != -1) {
            throw new IllegalArgumentException(NAME + ": give blocks=K or keep=N, not both");
        }
        if (protect < -1) {
            throw new IllegalArgumentException(NAME + ": protect must be 0 or more, got " + protect);
        }
        if (probe < 1) {
            throw new IllegalArgumentException(NAME + ": probe must be at least 1, got " + probe);
        }
    }

    /** Whether the spec names this method. */
    public static boolean names(String spec) {
        return spec != null && !spec.isBlank() && MethodSpec.parse(spec).name().equals(NAME);
    }

    public static PruneOptions from(String spec) {
        MethodSpec s = MethodSpec.parse(spec);
        PruneOptions o = new PruneOptions(s.integer("blocks", -1), s.integer("keep", -1), s.integer("protect", -1),
                s.choice("order", Order.class, Order.SENSITIVITY), s.integer("probe", 64));
        s.requireAllRead();
        return o;
    }

    /**
     * Exactly one budget: blocks, keep, a ratio or a size target.
     *
     * @throws IllegalArgumentException naming the options when none or several are given
     */
    public void requireOneBudget(boolean ratio, boolean targetSize) {
        int given = (countGiven() ? 1 : 0) + (ratio ? 1 : 0) + (targetSize ? 1 : 0);
        if (given != 1) {
            throw new IllegalArgumentException(NAME + ": give exactly one of blocks=K (blocks to remove), keep=N (blocks to keep), --ratio (the"
                    + " fraction of the blocks' parameters to remove) or --target-size, got " + (given == 0 ? "none" : given));
        }
    }

    /** Whether blocks or keep fixes the count (else a ratio or size target must). */
    public boolean countGiven() {
        return blocks != -1 || keep != -1;
    }

    /** The protected prefix for a model of {@code layers} blocks. */
    public int protectedBlocks(int layers) {
        return protect == -1 ? layers / 3 : protect;
    }

    /**
     * The number of blocks to remove from a model of {@code layers} blocks when blocks or keep is given.
     *
     * @throws IllegalArgumentException when that would remove every block or a protected one
     */
    public int removedCount(int layers, String model) {
        int k = blocks != -1 ? blocks : layers - keep;
        int p = protectedBlocks(layers);
        if (p >= layers) {
            throw new IllegalArgumentException(NAME + ": protect=" + p + " protects every one of the " + layers + " blocks of " + model);
        }
        if (k < 1) {
            throw new IllegalArgumentException(NAME + ": keep=" + keep + " keeps every one of the " + layers + " blocks of " + model
                    + "; keep fewer");
        }
        if (k > layers - p) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: cannot remove %d of the %d blocks of %s: the first %d are"
                    + " protected (protect=%d), so at most %d can go", NAME, k, layers, model, p, p, layers - p));
        }
        return k;
    }
}
