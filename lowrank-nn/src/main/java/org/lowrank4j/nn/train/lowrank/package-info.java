/**
 * Low-rank training optimizers for {@link org.lowrank4j.nn.train.Trainer}: Adam whose moments live in a rank-r
 * projection of each block weight's gradient — {@link org.lowrank4j.nn.train.lowrank.GaLore} (SVD basis),
 * {@link org.lowrank4j.nn.train.lowrank.DctGaLore} (SVD-free DCT column selection) and
 * {@link org.lowrank4j.nn.train.lowrank.Fira} (plus the scaled full-rank residual) — and
 * {@link org.lowrank4j.nn.train.lowrank.TrainingMethods}, the names {@code lowrank train --method} accepts.
 */
package org.lowrank4j.nn.train.lowrank;
