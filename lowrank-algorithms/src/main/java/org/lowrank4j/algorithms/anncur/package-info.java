/**
 * ANNCUR (Yadav et al., EMNLP 2022, arXiv:2210.12579; spec ../shared/methods/16-anncur-cur-knn.md): k-nearest-neighbour
 * search over a cross-encoder with a CUR factorisation of its query × item score matrix. Offline, the exact scores of a
 * few anchor queries against every item ({@link AnchorScores}) give the index ({@link CurIndex}); at query time the
 * cross-encoder scores the query against k_i anchor items, the index turns those into approximate scores for all items,
 * and the best of them are re-ranked exactly ({@link AnnCurSearch}) so that the calls add up to a budget. The baseline
 * spends the same budget re-ranking a dual encoder's shortlist ({@link ShortlistSearch}); {@link AnnCurEvaluation}
 * compares both with the exact top-k.
 */
package org.lowrank4j.algorithms.anncur;
