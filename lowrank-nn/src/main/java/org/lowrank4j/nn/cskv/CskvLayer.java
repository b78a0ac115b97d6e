package org.lowrank4j.nn.cskv;

/** The shrunk key and value projections of one attention layer. */
public record CskvLayer(CskvProjection key, CskvProjection value) {

    public CskvLayer {
        if (key == null || value == null || key.in() != value.in()) {
            throw new IllegalArgumentException("a CSKV layer needs a key and a value projection reading the same input");
        }
    }
}
