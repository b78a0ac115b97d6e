/**
 * SNELLA (spec ../shared/methods/07-snell-snella.md): SNELL's layer with the mixed kernel K + α·softmax_rows(K/γ) + β and
 * per-layer budgets of kept entries chosen during training by importance ({@link org.lowrank4j.adapt.snella.SparsityAllocator}).
 */
package org.lowrank4j.adapt.snella;
