/**
 * SNELL (spec ../shared/methods/07-snell-snella.md): a kernelised low-rank update K = Σ_h c_h·‖P_h,i − Q_h,j‖ sparsified by
 * magnitude competition on every forward ({@link org.lowrank4j.adapt.snell.SnellWeight}, {@link org.lowrank4j.adapt.snell.Competition}),
 * and the layers, folder fields and storage accounting it shares with SNELLA ({@link org.lowrank4j.adapt.snell.SnellLayers}).
 */
package org.lowrank4j.adapt.snell;
