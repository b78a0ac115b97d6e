package org.lowrank4j.compress.embeddings;

/**
 * What {@code --embeddings} did to the word-embedding table, for the record (the whole-model parameters and bytes of
 * the outcome already include it).
 *
 * @param table              the table's initializer name
 * @param vocabulary         its rows V
 * @param hidden             its columns d
 * @param spec               the spec as given, e.g. {@code afm:rank=128}
 * @param rank               kept dimensions r
 * @param parametersBefore   V·d
 * @param parametersAfter    V·r + r·d (+ d for AFM's mean)
 * @param calibrationTokens  tokens counted in the calibration text (0 for a method that reads none)
 * @param rowsSeen           distinct rows those tokens looked up
 * @param calibrationError   Σ c_i‖e_i − ê_i‖² / Σ c_i‖e_i‖² over the looked-up rows, weighted by their counts c_i (what
 *                           the next layer sees on the calibration text); NaN without calibration
 * @param tableError         ‖E − Ê‖²_F / ‖E‖²_F over every row
 */
public record EmbeddingChange(String table, int vocabulary, int hidden, String spec, int rank, long parametersBefore, long parametersAfter,
                              long calibrationTokens, int rowsSeen, double calibrationError, double tableError) {
}
