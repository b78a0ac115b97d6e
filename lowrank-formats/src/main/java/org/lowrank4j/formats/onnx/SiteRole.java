package org.lowrank4j.formats.onnx;

/** What a linear site does inside a transformer block. */
public enum SiteRole {
    /** Query projection of self-attention. */
    ATTENTION_QUERY("attention.query"),
    /** Key projection of self-attention. */
    ATTENTION_KEY("attention.key"),
    /** Value projection of self-attention. */
    ATTENTION_VALUE("attention.value"),
    /** Projection of the attention result back to the residual stream. */
    ATTENTION_OUTPUT("attention.output"),
    /** Gate projection of a gated feed-forward layer (SwiGLU and the like). */
    FFN_GATE("ffn.gate"),
    /** First feed-forward projection, to the wide hidden layer. */
    FFN_UP("ffn.up"),
    /** Second feed-forward projection, back to the model width. */
    FFN_DOWN("ffn.down"),
    /** Anything else (fused projections, heads, poolers). */
    OTHER("other");

    private final String label;

    SiteRole(String label) {
        this.label = label;
    }

    /** The short name used in site names, e.g. {@code attention.query}. */
    public String label() {
        return label;
    }
}
