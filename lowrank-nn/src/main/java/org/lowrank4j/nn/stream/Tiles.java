package org.lowrank4j.nn.stream;

/**
 * Tile sizes of the streaming kernels.
 *
 * @param rows         token rows per MLP tile (the spec's BL)
 * @param hidden       intermediate channels per MLP tile (BD)
 * @param queries      query rows per attention tile (BM)
 */
public record Tiles(int rows, int hidden, int queries) {
    /** The spec's defaults scaled for CPU caches: 64 rows, 128 intermediate channels, 64 queries. */
    public static final Tiles DEFAULT = new Tiles(64, 128, 64);

    public Tiles {
        if (rows < 1 || hidden < 1 || queries < 1) {
            throw new IllegalArgumentException("tile sizes must be positive, got rows " + rows + ", hidden " + hidden + ", queries " + queries);
        }
    }
}
