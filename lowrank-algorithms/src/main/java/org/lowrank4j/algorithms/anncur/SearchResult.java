package org.lowrank4j.algorithms.anncur;

/**
 * What one search returned.
 *
 * @param top   the k items found, best first by exact cross-encoder score
 * @param calls the cross-encoder pair scores it spent
 */
public record SearchResult(int[] top, long calls) {
}
